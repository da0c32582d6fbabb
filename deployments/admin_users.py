"""Django's user and group admin, audited: who may do what is a permission like a membership.

The defaults of ``django.contrib.auth`` change staff and superuser flags, groups and
permissions without a trace in ``AuditEntry``; these subclasses record one entry per save with
what changed (never a password or its hash). Only superusers may hand out superuser status,
groups and permissions, or touch a superuser's account: Django lets anyone with "change user"
do that, which would make that permission a way to become superuser.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from deployments.services.audit import audit_record

User = get_user_model()

ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")
ACCESS_SETS = ("groups", "user_permissions")
SUPERUSER_ONLY_FIELDS = ("is_superuser", "groups", "user_permissions")
# The password is audited on its own, without its value. The dates are bookkeeping, and the
# admin's form drops date_joined's microseconds, so it would show as changed on every save.
UNAUDITED_FIELDS = {
    *("password", "password1", "password2", "usable_password"),
    *("date_joined", "last_login"),
}


def _codenames(permissions: QuerySet[Permission]) -> list[str]:
    """Permissions as ``has_perm`` spells them: ``app_label.codename``."""
    return sorted(
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
    )


def _access_of(user) -> dict:
    """What a user may do: the flags, group names and permissions (never the password)."""
    return {
        **{flag: getattr(user, flag) for flag in ACCESS_FLAGS},
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": _codenames(user.user_permissions.all()),
    }


def _set_change(before: list[str], after: list[str]) -> dict | None:
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    return {"added": added, "removed": removed} if added or removed else None


def _access_changes(before: dict, after: dict) -> dict:
    changes: dict = {}
    for flag in ACCESS_FLAGS:
        if before[flag] != after[flag]:
            changes[flag] = {"from": before[flag], "to": after[flag]}
    for name in ACCESS_SETS:
        if change := _set_change(before[name], after[name]):
            changes[name] = change
    return changes


def _other_fields(form) -> list[str]:
    return sorted(set(form.changed_data) - UNAUDITED_FIELDS - set(ACCESS_FLAGS) - set(ACCESS_SETS))


def _may_touch(request: HttpRequest, user) -> bool:
    """A superuser's account is changed by superusers only (a new password would be a takeover)."""
    return user is None or not user.is_superuser or request.user.is_superuser


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin, with every change of an account audited."""

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None or request.user.is_superuser:
            return readonly
        return readonly + SUPERUSER_ONLY_FIELDS

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _may_touch(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _may_touch(request, obj)

    # The old state is read before the row is saved; groups and permissions are saved only in
    # ``save_related``, so the entry is written there, once everything is in place.
    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        form.access_before = _access_of(User._default_manager.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        after = _access_of(user)
        data: dict = {"user": user.get_username()}
        if not change:
            data.update(after, usable_password=user.has_usable_password())
        else:
            if "username" in form.changed_data:
                data["username"] = {"from": form.initial.get("username"), "to": data["user"]}
            data.update(_access_changes(form.access_before, after))
            if fields := _other_fields(form):
                data["fields"] = fields
        audit_record(
            actor=request.user,
            action="user.change" if change else "user.add",
            target=user,
            data=data,
        )

    @auth_admin.sensitive_post_parameters_m
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's password form, audited when the password changed: that it did, not to what."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic(using=router.db_for_write(self.model)):
            before = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            after = self.get_object(request, unquote(id))
            if before is not None and after is not None and after.password != before.password:
                audit_record(
                    actor=request.user,
                    action="user.password_change",
                    target=after,
                    data={
                        "user": after.get_username(),
                        "usable_password": after.has_usable_password(),
                    },
                )
        return response

    def delete_model(self, request: HttpRequest, obj) -> None:
        audit_record(
            actor=request.user,
            action="user.delete",
            target=obj,
            data={"user": obj.get_username(), **_access_of(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            self.delete_model(request, user)


def _group_data(group: Group) -> dict:
    return {"group": group.name, "permissions": _codenames(group.permissions.all())}


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    """Django's group admin, with every change of a group's permissions audited."""

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else (*readonly, "permissions")

    def save_model(self, request: HttpRequest, obj: Group, form, change: bool) -> None:
        form.permissions_before = (
            _codenames(Permission.objects.filter(group__pk=obj.pk)) if change else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        group = form.instance
        data = _group_data(group)
        if change:
            after = data.pop("permissions")
            if permissions := _set_change(form.permissions_before, after):
                data["permissions"] = permissions
            if "name" in form.changed_data:
                data["name"] = {"from": form.initial.get("name"), "to": group.name}
        audit_record(
            actor=request.user,
            action="group.change" if change else "group.add",
            target=group,
            data=data,
        )

    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        audit_record(
            actor=request.user,
            action="group.delete",
            target=obj,
            data={
                **_group_data(obj),
                "users": sorted(obj.user_set.values_list(User.USERNAME_FIELD, flat=True)),
            },
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Group]) -> None:
        for group in queryset:
            self.delete_model(request, group)
