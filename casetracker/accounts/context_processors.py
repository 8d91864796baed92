from .policy import may_view_reports


def navigation(request) -> dict:
    """What the menus may offer the signed-in user."""
    user = getattr(request, "user", None)
    return {"may_view_reports": bool(user and user.is_authenticated and may_view_reports(user))}
