def organizations(request):
    """The header's organisation switcher, from what CurrentOrganizationMiddleware found."""
    return {
        "memberships": getattr(request, "memberships", []),
        "current_membership": getattr(request, "membership", None),
        "current_organization": getattr(request, "organization", None),
    }
