"""Who may read the staff reports, and which tickets each person's reports count.

Support engineers and superusers see every ticket; Support agents see their teams'
tickets (the teams whose staff group they are in). Other staff see no reports.
"""

from django.core.exceptions import PermissionDenied
from django.utils.functional import cached_property

from accounts.backends import staff_group_names
from accounts.staff_groups import AGENTS, ENGINEERS
from support.tickets.models import Team, Ticket


class StaffScope:
    def __init__(self, user):
        self.user = user
        staff = user.is_active and user.is_staff
        self.sees_all = staff and (user.is_superuser or ENGINEERS in staff_group_names(user))
        self.is_agent = staff and not self.sees_all and AGENTS in staff_group_names(user)

    @classmethod
    def of(cls, request):
        """The reader's scope, worked out once per request (the sidebar asks for each link)."""
        if not hasattr(request, "_staff_scope"):
            request._staff_scope = cls(request.user)
        return request._staff_scope

    @cached_property
    def team_ids(self):
        if self.sees_all:
            return None
        return list(Team.objects.filter(group__user=self.user).values_list("pk", flat=True))

    @property
    def may_read(self):
        return self.sees_all or self.is_agent

    def check(self):
        if not self.may_read:
            raise PermissionDenied

    def teams(self):
        teams = Team.objects.order_by("tier", "name")
        return teams if self.sees_all else teams.filter(pk__in=self.team_ids)

    def tickets(self):
        tickets = Ticket.objects.all()
        return tickets if self.sees_all else tickets.filter(team_id__in=self.team_ids)

    def restrict(self, queryset, team_path):
        """Limit any queryset that reaches a ticket's team through `team_path`."""
        if self.sees_all:
            return queryset
        return queryset.filter(**{f"{team_path}__in": self.team_ids})
