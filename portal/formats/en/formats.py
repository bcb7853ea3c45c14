"""English dates the portal's way: "30 Nov 2026", "30 Nov 2026, 08:08" (24-hour clock).

Everything else (input formats, first day of week) stays Django's English.
"""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1
