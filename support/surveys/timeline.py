"""Words for the timeline entries this app adds to tickets (staff-only kinds).

support.tickets.timeline.describe calls this for kinds it doesn't know.
"""

import datetime

from django.utils.translation import gettext as _

from portal.dates import format_date

from .services import CSAT_KIND, FOLLOW_UP_DONE_KIND, FOLLOW_UP_KIND


def describe_survey_event(event):
    """The entry in words, or None when the kind isn't one of ours."""
    data = event.data or {}
    if event.kind == CSAT_KIND:
        if data.get("changed"):
            return _("Customer changed their satisfaction rating to %(rating)s/5") % {
                "rating": data.get("rating")
            }
        return _("Customer rated the support %(rating)s/5") % {"rating": data.get("rating")}
    if event.kind == FOLLOW_UP_KIND:
        text = _("Low satisfaction score (%(score)s/5): follow-up opened") % {
            "score": data.get("score")
        }
        if data.get("assignee"):
            text += " — " + _("assigned to %(name)s") % {"name": data["assignee"]}
        if data.get("due"):
            due = format_date(datetime.date.fromisoformat(data["due"]))
            text += ", " + _("due %(date)s") % {"date": due}
        return text
    if event.kind == FOLLOW_UP_DONE_KIND:
        return _("Satisfaction follow-up closed: %(outcome)s") % {
            "outcome": data.get("outcome", "")
        }
    return None
