from .policy import may_import_cases, may_view_releases, may_view_reports, role_permissions


def navigation(request) -> dict:
    """What the menus may offer the signed-in user."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "may_view_reports": signed_in and may_view_reports(user),
        "may_import_cases": signed_in and may_import_cases(user),
        "may_view_releases": signed_in and may_view_releases(user),
        # (From the role, as the admin's permission check has it: no query on every page.)
        "may_enter_cases": signed_in and "cases.add_incident" in role_permissions(user),
    }
