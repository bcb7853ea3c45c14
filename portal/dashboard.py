"""Panels on the signed-in dashboard.

Apps add a panel by appending a function to PANEL_PROVIDERS in their
AppConfig.ready(); each takes the request and returns a dict with a
"template" and its context, or None when it has nothing to show.
"""

PANEL_PROVIDERS = []


def dashboard_panels(request):
    panels = []
    for provider in PANEL_PROVIDERS:
        panel = provider(request)
        if panel:
            panels.append(panel)
    return panels
