"""Django's model backend, reading a person's staff group names in the same query as the
groups' permissions: the back office asks for both on every page (the sidebar's links,
the reports' scope), and one query per request is enough for the two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group


class StaffGroupsBackend(ModelBackend):
    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_group_permissions(user_obj, obj)
        if not hasattr(user_obj, "_group_perm_cache"):
            rows = Group.objects.filter(user=user_obj).values_list(
                "name", "permissions__content_type__app_label", "permissions__codename"
            )
            user_obj._staff_group_names = {name for name, _app, _codename in rows}
            user_obj._group_perm_cache = {
                f"{app}.{codename}" for _name, app, codename in rows if codename
            }
        return user_obj._group_perm_cache


def staff_group_names(user):
    """The names of the groups a person is in, read once per request object."""
    if not hasattr(user, "_staff_group_names"):
        user.get_group_permissions()
    if not hasattr(user, "_staff_group_names"):  # a superuser, or another backend
        user._staff_group_names = set(user.groups.values_list("name", flat=True))
    return user._staff_group_names
