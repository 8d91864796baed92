from django.contrib.auth.backends import ModelBackend

from .policy import role_permissions


class RolePermissionBackend(ModelBackend):
    """Django's model backend, plus the permissions the user's role carries."""

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None:
            return set()
        return {*super().get_all_permissions(user_obj), *role_permissions(user_obj)}
