"""Tablets: pairing codes, tokens, locking out and moving, in the services and the admin."""

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from deployments.models import AuditEntry, Membership
from participation.models import Device, Poll
from participation.services import devices
from tests.factories import (
    DeploymentFactory,
    DeviceFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.participation.kiosk_factories import paired_device, running_deployment

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


@pytest.fixture
def deployment():
    return running_deployment(title="Kiezlabor am Boxhagener Platz")


@pytest.fixture
def staff(deployment):
    return MembershipFactory(
        organisation=deployment.organisation, user=UserFactory(username="jonas")
    ).user


@pytest.fixture
def device(deployment):
    return DeviceFactory(
        organisation=deployment.organisation, deployment=deployment, name="Tablet 1"
    )


def audit_actions(device: Device) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(Device), target_id=str(device.pk)
        )
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


def messages(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict:
    return excinfo.value.message_dict


# --- Pairing codes --------------------------------------------------------------------------


def test_a_pairing_code_has_six_unambiguous_characters_and_lasts_15_minutes(device, staff) -> None:
    before = timezone.now()

    devices.device_pairing_code_create(device=device, by=staff)

    device.refresh_from_db()
    assert re.fullmatch(r"[A-Z0-9]{6}", device.pairing_code)
    assert not set(device.pairing_code) & set("0O1IL5S2Z")
    expected = before + dt.timedelta(minutes=15)
    assert abs(device.pairing_code_expires_at - expected) < dt.timedelta(seconds=5)
    assert audit_actions(device) == ["device_pairing_code_create"]
    entry = AuditEntry.objects.get()
    assert entry.actor == staff
    assert device.pairing_code not in str(entry.data)


def fixed_codes(monkeypatch, *codes: str) -> None:
    sequence = iter(codes)
    monkeypatch.setattr(devices, "_new_pairing_code", lambda: next(sequence))


def test_a_new_code_replaces_the_open_one(device, staff, monkeypatch) -> None:
    fixed_codes(monkeypatch, "AAAAAA", "BBBBBB")
    devices.device_pairing_code_create(device=device, by=staff)
    devices.device_pairing_code_create(device=device, by=staff)

    with pytest.raises(ValidationError):
        devices.device_pair(code="AAAAAA")
    assert devices.device_pair(code="BBBBBB")[0] == device


def test_a_code_taken_by_another_tablet_is_drawn_again(deployment, staff, monkeypatch) -> None:
    fixed_codes(monkeypatch, "AAAAAA", "AAAAAA", "BBBBBB")
    first, second = (
        DeviceFactory(organisation=deployment.organisation, deployment=deployment) for _ in range(2)
    )

    devices.device_pairing_code_create(device=first, by=staff)
    devices.device_pairing_code_create(device=second, by=staff)

    assert (first.pairing_code, second.pairing_code) == ("AAAAAA", "BBBBBB")
    assert devices.device_pair(code="BBBBBB")[0] == second


def test_a_tablet_without_a_deployment_gets_no_code(deployment, staff) -> None:
    device = DeviceFactory(organisation=deployment.organisation, deployment=None)

    with pytest.raises(ValidationError) as excinfo:
        devices.device_pairing_code_create(device=device, by=staff)

    assert messages(excinfo) == {
        "deployment": ["Bitte wählen Sie zuerst den Einsatz, zu dem das Tablet gehört."]
    }


# --- Pairing --------------------------------------------------------------------------------


def test_pairing_gives_a_token_of_which_only_the_hash_is_stored(device, staff) -> None:
    devices.device_pairing_code_create(device=device, by=staff)

    paired, token = devices.device_pair(code=device.pairing_code)

    paired.refresh_from_db()
    assert paired == device
    assert len(token) >= 40
    assert paired.token_hash == devices.token_hash(token)
    assert token not in paired.token_hash
    assert paired.pairing_code == ""
    assert paired.pairing_code_expires_at is None
    assert paired.paired_at is not None
    assert paired.is_paired
    assert devices.device_for_token(token) == device
    assert audit_actions(device) == ["device_pairing_code_create", "device_pair"]


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {first} {last} ", "{first}-{last}"])
def test_the_code_may_be_typed_in_lower_case_and_groups(device, staff, typed) -> None:
    code = devices.device_pairing_code_create(device=device, by=staff).pairing_code
    typed = typed.format(code=code, lower=code.lower(), first=code[:3], last=code[3:])

    paired, _token = devices.device_pair(code=typed)

    assert paired == device


WRONG_CODE = {
    "code": [
        "Dieser Code stimmt nicht oder ist abgelaufen. "
        "Bitte lassen Sie sich vom Team einen neuen Code geben."
    ]
}


def test_a_wrong_code_is_refused(device, staff) -> None:
    devices.device_pairing_code_create(device=device, by=staff)

    with pytest.raises(ValidationError) as excinfo:
        devices.device_pair(code="XXXXXX" if device.pairing_code != "XXXXXX" else "YYYYYY")

    assert messages(excinfo) == WRONG_CODE
    device.refresh_from_db()
    assert device.token_hash == ""


def test_an_expired_code_is_refused(device, staff) -> None:
    devices.device_pairing_code_create(device=device, by=staff)
    Device.objects.filter(pk=device.pk).update(
        pairing_code_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    with pytest.raises(ValidationError) as excinfo:
        devices.device_pair(code=device.pairing_code)

    assert messages(excinfo) == WRONG_CODE


def test_a_code_works_only_once(device, staff) -> None:
    code = devices.device_pairing_code_create(device=device, by=staff).pairing_code
    devices.device_pair(code=code)

    with pytest.raises(ValidationError):
        devices.device_pair(code=code)


def test_pairing_again_replaces_the_token(device, staff) -> None:
    devices.device_pairing_code_create(device=device, by=staff)
    _device, old = devices.device_pair(code=device.pairing_code)
    devices.device_pairing_code_create(device=device, by=staff)

    _device, new = devices.device_pair(code=device.pairing_code)

    assert devices.device_for_token(old) is None
    assert devices.device_for_token(new) == device


# --- Revoking, moving, heartbeat ------------------------------------------------------------


def test_a_revoked_tablet_is_locked_out_at_once(deployment, staff) -> None:
    device, token = paired_device(deployment)

    devices.device_revoke(device=device, by=staff)

    device.refresh_from_db()
    assert device.revoked_at is not None
    assert device.token_hash == ""
    assert not device.is_paired
    assert devices.device_for_token(token) is None
    assert audit_actions(device)[-1] == "device_revoke"


def test_a_revoked_tablet_can_be_paired_again(deployment, staff) -> None:
    device, _token = paired_device(deployment)
    devices.device_revoke(device=device, by=staff)
    devices.device_pairing_code_create(device=device, by=staff)

    _device, token = devices.device_pair(code=device.pairing_code)

    device.refresh_from_db()
    assert device.revoked_at is None
    assert devices.device_for_token(token) == device


def test_a_tablet_moves_to_another_deployment_of_its_organisation(deployment, staff) -> None:
    device, token = paired_device(deployment)
    next_one = DeploymentFactory(organisation=deployment.organisation, title="Am Markt")

    devices.device_move(device=device, deployment=next_one, by=staff)

    assert devices.device_for_token(token).deployment == next_one
    assert audit_actions(device)[-1] == "device_move"
    assert AuditEntry.objects.filter(action="device_move").get().data == {
        "from": deployment.pk,
        "to": next_one.pk,
    }


def test_a_tablet_cannot_move_to_another_organisations_deployment(deployment, staff) -> None:
    device, _token = paired_device(deployment)
    foreign = DeploymentFactory(organisation=OrganisationFactory(name="Labor B"))

    with pytest.raises(ValidationError) as excinfo:
        devices.device_move(device=device, deployment=foreign, by=staff)

    assert "deployment" in messages(excinfo)
    device.refresh_from_db()
    assert device.deployment == deployment


def test_a_parked_tablet_keeps_its_token_but_is_not_paired(deployment, staff) -> None:
    device, token = paired_device(deployment)

    devices.device_move(device=device, deployment=None, by=staff)

    assert not devices.device_for_token(token).is_paired


def test_the_heartbeat_notes_the_time_and_what_waits(deployment) -> None:
    device, _token = paired_device(deployment)

    devices.device_heartbeat(device=device, pending=4, rejected=2)

    device.refresh_from_db()
    assert (device.pending_on_device, device.rejected_on_device) == (4, 2)
    assert timezone.now() - device.last_seen_at < dt.timedelta(seconds=5)


@pytest.mark.parametrize("token", ["", "x", "Device abc"])
def test_unknown_tokens_find_no_tablet(deployment, token) -> None:
    paired_device(deployment)

    assert devices.device_for_token(token) is None


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(staff) -> Client:
    client = Client(headers={"accept-language": "de"})
    client.force_login(staff)
    return client


def test_the_device_list_shows_state_and_waiting_items(admin_client, deployment) -> None:
    device, _token = paired_device(deployment, name="Tablet Container")
    devices.device_heartbeat(device=device, pending=7, rejected=1)
    DeviceFactory(organisation=OrganisationFactory(name="Labor B"), name="Fremdes Tablet")

    response = admin_client.get(reverse("admin:participation_device_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tablet Container" in page
    assert "gekoppelt" in page
    assert "Kiezlabor am Boxhagener Platz" in page
    assert ">7<" in page
    assert "Fremdes Tablet" not in page


def test_another_organisations_tablet_is_unreachable(admin_client) -> None:
    foreign = DeviceFactory(organisation=OrganisationFactory(name="Labor B"))

    for name in ("change", "pairing"):
        url = reverse(f"admin:participation_device_{name}", args=[foreign.pk])
        assert admin_client.get(url).status_code in (302, 404)
    revoke = reverse("admin:participation_device_revoke", args=[foreign.pk])
    assert admin_client.post(revoke).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_the_pairing_page_shows_the_code_big_with_a_qr_code(admin_client, device) -> None:
    url = reverse("admin:participation_device_pairing", args=[device.pk])

    response = admin_client.post(url, follow=True)

    assert response.status_code == 200
    device.refresh_from_db()
    page = response.content.decode()
    assert 'class="pairing-code"' in page
    assert device.pairing_code in page
    assert "<svg" in page
    assert f"http://testserver/kiosk/?code={device.pairing_code}" in page


def test_the_pairing_action_opens_the_pairing_page(admin_client, device) -> None:
    response = admin_client.post(
        reverse("admin:participation_device_changelist"),
        {"action": "create_pairing_code", "_selected_action": [device.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:participation_device_pairing", args=[device.pk])
    device.refresh_from_db()
    assert device.pairing_code


def test_the_lock_button_revokes_the_tablet(admin_client, deployment) -> None:
    device, token = paired_device(deployment)

    response = admin_client.post(reverse("admin:participation_device_revoke", args=[device.pk]))

    assert response.status_code == 302
    assert devices.device_for_token(token) is None


def test_the_lock_action_revokes_the_selected_tablets(admin_client, deployment) -> None:
    tablets = [paired_device(deployment) for _ in range(2)]

    admin_client.post(
        reverse("admin:participation_device_changelist"),
        {"action": "revoke_devices", "_selected_action": [d.pk for d, _t in tablets]},
    )

    assert all(devices.device_for_token(token) is None for _d, token in tablets)


def test_moving_in_the_form_goes_through_the_service(admin_client, deployment) -> None:
    device, token = paired_device(deployment, name="Tablet 1")
    next_one = DeploymentFactory(organisation=deployment.organisation, title="Am Markt")

    response = admin_client.post(
        reverse("admin:participation_device_change", args=[device.pk]),
        {"name": "Tablet 1", "deployment": next_one.pk, "idle_seconds": 90},
    )

    assert response.status_code == 302
    assert devices.device_for_token(token).deployment == next_one
    assert audit_actions(device)[-1] == "device_move"


def test_the_form_refuses_a_deployment_of_another_organisation(deployment) -> None:
    lab_b = OrganisationFactory(name="Labor B")
    user = UserFactory(username="mara")
    MembershipFactory(organisation=deployment.organisation, user=user)
    MembershipFactory(organisation=lab_b, user=user)
    device, _token = paired_device(deployment, name="Tablet 1")
    foreign = DeploymentFactory(organisation=lab_b)
    client = Client(headers={"accept-language": "de"})
    client.force_login(user)

    response = client.post(
        reverse("admin:participation_device_change", args=[device.pk]),
        {"name": "Tablet 1", "deployment": foreign.pk, "idle_seconds": 90},
    )

    assert response.status_code == 200
    assert "gehört einer anderen Organisation" in response.content.decode()
    device.refresh_from_db()
    assert device.deployment == deployment


def test_polls_are_set_up_with_their_answers_in_the_admin(admin_client, deployment) -> None:
    response = admin_client.post(
        reverse("admin:participation_poll_add"),
        {
            "deployment": deployment.pk,
            "question": "Wie viele Punkte für was?",
            "translations": '{"en": "How many points for what?"}',
            "type": "dots",
            "points": 5,
            "is_active": "on",
            "position": 0,
            "options-TOTAL_FORMS": 2,
            "options-INITIAL_FORMS": 0,
            "options-0-label": "Bänke",
            "options-0-translations": "{}",
            "options-0-position": 0,
            "options-1-label": "Bäume",
            "options-1-translations": '{"tr": "Ağaçlar"}',
            "options-1-position": 1,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    poll = Poll.objects.get()
    assert (poll.type, poll.points) == ("dots", 5)
    assert [option.label_in("tr") for option in poll.options.order_by("position")] == [
        "Bänke",
        "Ağaçlar",
    ]
    listing = admin_client.get(reverse("admin:participation_poll_changelist")).content.decode()
    assert "Wie viele Punkte für was?" in listing


def test_points_are_only_for_dot_voting(admin_client, deployment) -> None:
    response = admin_client.post(
        reverse("admin:participation_poll_add"),
        {
            "deployment": deployment.pk,
            "question": "Eine Frage?",
            "translations": "{}",
            "type": "single",
            "points": 5,
            "position": 0,
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "Punkte gibt es nur beim Punkteverteilen" in response.content.decode()
    assert not Poll.objects.exists()


def test_other_organisations_polls_are_hidden(admin_client) -> None:
    foreign = DeploymentFactory(organisation=OrganisationFactory(name="Labor B"))
    Poll.objects.create(deployment=foreign, question="Geheime Frage?")

    listing = admin_client.get(reverse("admin:participation_poll_changelist")).content.decode()

    assert "Geheime Frage?" not in listing


def test_moderators_and_staff_alike_may_pair_tablets(deployment) -> None:
    user = UserFactory(username="kim")
    MembershipFactory(organisation=deployment.organisation, user=user, role=Membership.Role.STAFF)
    device = DeviceFactory(organisation=deployment.organisation, deployment=deployment)
    client = Client()
    client.force_login(user)

    response = client.post(reverse("admin:participation_device_pairing", args=[device.pk]))

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.pairing_code
