"""Receivers: a linked incident's update counts as an update to its tickets' customers."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from support.status.models import IncidentUpdate


@receiver(post_save, sender=IncidentUpdate, dispatch_uid="oncall_incident_update")
def incident_update_resets_update_clocks(sender, instance, created, **kwargs):
    if created and not kwargs.get("raw") and instance.incident.is_published:
        from .updates import reset_for_incident

        reset_for_incident(instance.incident_id, instance.created_at)
