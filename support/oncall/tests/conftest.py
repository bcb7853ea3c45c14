import pytest
from django.contrib.auth.models import Group

from accounts.staff_groups import AGENTS
from conftest import make_user
from support.oncall.models import EscalationStep, Rota, Shift
from support.tickets.models import Team


def around_the_clock(team, person, role="primary", time_zone="Asia/Shanghai"):
    rota, _created = Rota.objects.get_or_create(team=team)
    return Shift.objects.create(
        rota=rota, person=person, role=role, weekdays="0,1,2,3,4,5,6", time_zone=time_zone
    )


@pytest.fixture
def tier1(db):
    return Team.objects.get(tier=1)


@pytest.fixture
def tier2(db):
    return Team.objects.get(tier=2)


@pytest.fixture
def second_agent(db):
    """Another Tier 1 agent, not on call."""
    user = make_user("tier1-b@support.example", full_name="Bo Backup", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS))
    return user


@pytest.fixture
def duty_manager(db):
    return make_user("duty@support.example", full_name="Dana Duty", is_staff=True)


@pytest.fixture
def rotas(tier1, tier2, agent, engineer, duty_manager):
    """Agent on call for Tier 1 and engineer for Tier 2, all week; the duty manager last."""
    around_the_clock(tier1, agent)
    around_the_clock(tier2, engineer)
    for rota in Rota.objects.all():
        EscalationStep.objects.create(
            rota=rota, position=9, kind="person", person=duty_manager, label="Duty manager"
        )
    return Rota.objects.get(team=tier1)
