"""SLA credit arithmetic, free of the database.

A contract promises a monthly uptime; each step says "uptime below X % earns Y % of
the month's fee". The lowest step the month falls under counts (steps don't add up).
A contract may also credit a fixed share for each P0 ticket whose first response came
late. The total never exceeds the contract's maximum.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    below: float
    credit: float


@dataclass(frozen=True)
class Terms:
    commitment: float
    steps: tuple = ()
    p0_response_credit: float = 0.0
    maximum: float = 100.0


@dataclass(frozen=True)
class Credit:
    uptime_credit: float  # per cent of the monthly fee
    step: Step | None  # the step that applied, None when the commitment was kept
    late_p0: int
    p0_credit: float
    total: float
    capped: bool

    @property
    def owed(self):
        return self.total > 0


def uptime_credit(uptime, terms):
    """(credit %, step) for a month's uptime; (0, None) with no data or the promise kept."""
    if uptime is None:
        return 0.0, None
    applying = [step for step in terms.steps if uptime < step.below]
    if not applying:
        return 0.0, None
    step = min(applying, key=lambda step: step.below)
    return step.credit, step


def credit_for_month(uptime, late_p0, terms):
    """Everything owed for one month: the uptime step plus the late P0 credits, capped."""
    credit, step = uptime_credit(uptime, terms)
    p0_credit = late_p0 * terms.p0_response_credit
    total = credit + p0_credit
    capped = total > terms.maximum
    return Credit(
        uptime_credit=credit,
        step=step,
        late_p0=late_p0,
        p0_credit=p0_credit,
        total=min(total, terms.maximum),
        capped=capped,
    )
