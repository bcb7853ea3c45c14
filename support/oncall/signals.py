"""Receivers: a linked incident's update counts as an update to its tickets' customers; a
changed rota clears the dashboard's cached "who is on duty"."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from support.status.models import IncidentUpdate

from .lookup import forget_on_duty
from .models import Override, Rota, Shift


@receiver(post_save, sender=IncidentUpdate, dispatch_uid="oncall_incident_update")
def incident_update_resets_update_clocks(sender, instance, created, **kwargs):
    if created and not kwargs.get("raw") and instance.incident.is_published:
        from .updates import reset_for_incident

        reset_for_incident(instance.incident_id, instance.created_at)


@receiver([post_save, post_delete], sender=Rota, dispatch_uid="oncall_rota_changed")
@receiver([post_save, post_delete], sender=Shift, dispatch_uid="oncall_shift_changed")
@receiver([post_save, post_delete], sender=Override, dispatch_uid="oncall_override_changed")
def rota_changed(sender, **kwargs):
    forget_on_duty()
