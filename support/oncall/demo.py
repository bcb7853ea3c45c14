"""Demo rotas: agent@example.com on call for Tier 1 around the clock, engineer@example.com
for Tier 2, and the administrator as duty manager at the end of each escalation policy."""

from django.contrib.auth import get_user_model

from support.tickets.models import Team

from .models import EscalationStep, Rota, Shift

ON_CALL = {1: "agent@example.com", 2: "engineer@example.com"}
DUTY_MANAGER = "admin@example.com"
EVERY_DAY = "0,1,2,3,4,5,6"


def seed(stdout=None):
    User = get_user_model()
    people = {user.email: user for user in User.objects.filter(is_staff=True)}
    manager = people.get(DUTY_MANAGER)
    added = 0
    for team in Team.objects.filter(tier__in=ON_CALL):
        rota, _created = Rota.objects.get_or_create(
            team=team, defaults={"time_zone": "Asia/Shanghai", "pages_for_alerts": team.tier == 2}
        )
        person = people.get(ON_CALL[team.tier])
        if person and not rota.shifts.exists():
            Shift.objects.create(
                rota=rota,
                person=person,
                weekdays=EVERY_DAY,
                starts="00:00",
                ends="00:00",
                time_zone="Asia/Shanghai",
            )
            added += 1
        if manager and not rota.steps.filter(kind=EscalationStep.Kind.PERSON).exists():
            EscalationStep.objects.create(
                rota=rota,
                position=9,
                kind=EscalationStep.Kind.PERSON,
                person=manager,
                label="Duty manager",
            )
    if stdout:
        stdout.write(f"  on-call shifts: {added} added")
