"""Authentication backends: django-rules for objects, plus the admin's per-app question."""

from rules.permissions import ObjectPermissionBackend, permissions


class RulesBackend(ObjectPermissionBackend):
    """django-rules, also answering "may this user see anything of this app?".

    The admin asks ``has_module_perms`` before it lists an app on its index page; django-rules
    only answers ``has_perm``, so without this the team saw "no permission" on the admin index
    although the rules let them work on the app's objects.
    """

    def has_module_perms(self, user, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(
            permissions.test_rule(name, user)
            for name in list(permissions)
            if name.startswith(prefix) and name.split(".", 1)[1].startswith("view_")
        )
