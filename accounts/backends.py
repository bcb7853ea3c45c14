"""Django's model backend, reading a person's staff group names in the same query as the
groups' permissions and the person's own: the back office asks for all of them on every
page (the sidebar's links, the reports' scope), and one query per request is enough. The signed-in
person is read with their memberships and organisations, in one query too."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Value

from portal.kept_sql import KeptQuery

from .models import Membership, Organization


def attnames(model):
    return [field.attname for field in model._meta.concrete_fields]


@KeptQuery
def person_rows(user_id):
    """The person's row once per membership (once with none), each with the membership's and
    its organisation's columns; memberships ordered as memberships_with_organizations()."""
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(pk=user_id)
        .order_by("memberships__organization__name", "memberships__pk")
        .values_list(
            *attnames(user_model),
            *(f"memberships__{name}" for name in attnames(Membership)),
            *(f"memberships__organization__{name}" for name in attnames(Organization)),
        )
    )


class StaffGroupsBackend(ModelBackend):
    def get_user(self, user_id):
        """The person of a session, with their memberships (and each one's organisation)
        read in the same query, a LEFT JOIN: CurrentOrganizationMiddleware needs them on
        every customer page."""
        user_model = get_user_model()
        rows = person_rows(user_model._meta.pk.to_python(user_id))
        if not rows:
            return None
        db = user_model._default_manager.db
        user_fields = attnames(user_model)
        membership_fields = attnames(Membership)
        organization_fields = attnames(Organization)
        split = len(user_fields)
        user = user_model.from_db(db, user_fields, rows[0][:split])
        memberships = []
        for row in rows:
            membership_values = row[split : split + len(membership_fields)]
            if membership_values[0] is None:  # the LEFT JOIN found no membership
                continue
            membership = Membership.from_db(db, membership_fields, membership_values)
            organization_values = row[split + len(membership_fields) :]
            membership.organization = Organization.from_db(
                db, organization_fields, organization_values
            )
            membership.user = user
            memberships.append(membership)
        user.memberships_read = memberships
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        return self._permissions(user_obj, obj, "_user_perm_cache", super().get_user_permissions)

    def get_group_permissions(self, user_obj, obj=None):
        return self._permissions(user_obj, obj, "_group_perm_cache", super().get_group_permissions)

    def _permissions(self, user_obj, obj, kept, djangos):
        """Django's answer for superusers; else both kinds, read once (_read_permissions)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return djangos(user_obj, obj)
        if not hasattr(user_obj, kept):
            self._read_permissions(user_obj)
        return getattr(user_obj, kept)

    def _read_permissions(self, user_obj):
        """The person's own permissions and their groups' (with the groups' names) in one
        query: a group's rows carry its name, the person's own rows none."""
        rows = permission_rows(user_obj.pk)
        user_obj._staff_group_names = {name for name, _app, _codename in rows if name is not None}
        user_obj._group_perm_cache = {
            f"{app}.{codename}" for name, app, codename in rows if name is not None and codename
        }
        user_obj._user_perm_cache = {
            f"{app}.{codename}" for name, app, codename in rows if name is None
        }


@KeptQuery
def permission_rows(user_id):
    """(group name, app label, codename) of the person's groups' permissions, then (None,
    app label, codename) of their own."""
    groups = Group.objects.filter(user=user_id).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    own = Permission.objects.filter(user=user_id).values_list(
        Value(None, output_field=CharField()), "content_type__app_label", "codename"
    )
    # Unordered: SQLite refuses an ORDER BY (Permission's default) inside a UNION.
    return groups.order_by().union(own.order_by(), all=True)


def staff_group_names(user):
    """The names of the groups a person is in, read once per request object."""
    if not hasattr(user, "_staff_group_names"):
        user.get_group_permissions()
    if not hasattr(user, "_staff_group_names"):  # a superuser, or another backend
        user._staff_group_names = set(user.groups.values_list("name", flat=True))
    return user._staff_group_names
