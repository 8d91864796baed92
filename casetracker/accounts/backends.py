from django.contrib.auth.backends import ModelBackend

from .policy import role_permissions


class RolePermissionBackend(ModelBackend):
    """Django's model backend, plus the permissions the user's role carries."""

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None:
            return set()
        # The union made once while its two parts stay the same objects (Django's cache on the user,
        # the role's set), not again for each permission checked: some 200 checks on the case page.
        stored, role = super().get_all_permissions(user_obj), role_permissions(user_obj)
        cached = getattr(user_obj, "_role_perm_cache", None)
        if cached is None or cached[0] is not stored or cached[1] is not role:
            cached = user_obj._role_perm_cache = (stored, role, frozenset({*stored, *role}))
        return cached[2]
