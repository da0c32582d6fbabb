"""The ways to a site analysis: the administration portal, the admin's "Ortsanalyse erstellen"
and the API — start, follow the progress, download."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reports.models import PortalAccess, Report
from reports.tasks import build_report
from tests.factories import DeploymentFactory, MembershipFactory, SiteFactory, UserFactory
from tests.reports.jobs_support import district, drain, stored_export, stored_report

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def queued_builds(monkeypatch) -> list[int]:
    """Report ids handed to the worker (nothing really leaves the test)."""
    ids: list[int] = []
    monkeypatch.setattr(build_report, "apply_async", lambda args, **options: ids.extend(args))
    return ids


@pytest.fixture
def deployment():
    kreuzberg = district()
    site = SiteFactory(name="Boxhagener Platz")
    site.areas.set([kreuzberg])
    return DeploymentFactory(title="Kiezlabor am Boxi", site=site, organisation=site.organisation)


@pytest.fixture
def staff(deployment):
    return MembershipFactory(
        organisation=deployment.organisation, user=UserFactory(username="murat")
    ).user


@pytest.fixture
def official(deployment):
    user = UserFactory(username="ba-xhain", is_staff=False, first_name="Jana", last_name="Pohl")
    access = PortalAccess.objects.create(user=user, note="Bezirksamt Friedrichshain-Kreuzberg")
    access.districts.set(deployment.site.areas.all())
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Portal -----------------------------------------------------------------------------------


def test_the_portal_asks_anonymous_visitors_to_log_in(client) -> None:
    response = client.get("/portal/")

    assert response.status_code == 302
    assert response["Location"].startswith("/portal/anmelden/")


def test_administration_users_log_in_with_their_account(client, official) -> None:
    page = client.get("/portal/anmelden/")
    assert page.status_code == 200
    assert "Anmelden" in page.content.decode()

    response = client.post(
        "/portal/anmelden/", {"username": "ba-xhain", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_a_user_without_access_is_told_whom_to_ask(deployment) -> None:
    user = UserFactory(username="gast", is_staff=False)

    response = logged_in(user).get("/portal/")

    assert response.status_code == 403


def test_the_portal_lists_reports_with_state_progress_and_download(deployment, official) -> None:
    done = stored_report(deployment)
    running = stored_report(deployment, state="running")
    failed = stored_report(deployment, state="failed")

    page = logged_in(official).get("/portal/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Kiezlabor am Boxi" in html
    assert "Friedrichshain-Kreuzberg" in html
    assert f'href="/portal/berichte/{done.pk}/pdf/"' in html
    assert re.search(
        rf'data-report="{running.pk}" data-state="running".*?wird erstellt – Karten.*?'
        r'<progress class="report-progress" max="100" value="45"',
        html,
        re.S,
    )
    assert "Das Kiezlabor-Team kann sie neu starten" in html  # not the technical details
    assert "Testfehler" not in html
    assert f'data-report="{failed.pk}" data-state="failed"' in html
    assert "Neue Ortsanalyse erstellen" not in html  # the administration reads, staff start


def test_the_portal_page_has_no_inline_script(deployment, official) -> None:
    stored_report(deployment, state="running")

    html = logged_in(official).get("/portal/").content.decode()

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/reports/portal.js" defer>']
    assert 'data-status-url="/portal/berichte/stand/"' in html
    assert '<noscript><meta http-equiv="refresh"' in html  # without JavaScript it reloads


def test_the_status_endpoint_gives_progress_and_step_for_polling(deployment, official) -> None:
    running = stored_report(deployment, state="running")
    done = stored_report(deployment)

    response = logged_in(official).get(f"/portal/berichte/stand/?ids={running.pk},{done.pk}")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json()["reports"] == [
        {
            "id": running.pk,
            "state": "running",
            "state_label": "wird erstellt",
            "progress": 45,
            "step": "Karten",
            "page_count": None,
            "error": "",
            "download_url": None,
        },
        {
            "id": done.pk,
            "state": "done",
            "state_label": "fertig",
            "progress": 100,
            "step": "",
            "page_count": 3,
            "error": "",
            "download_url": f"/portal/berichte/{done.pk}/pdf/",
        },
    ]
    assert logged_in(official).get("/portal/berichte/stand/?ids=1,x").status_code == 400


def test_the_pdf_is_an_attachment_browsers_do_not_sniff(deployment, official) -> None:
    report = stored_report(deployment)

    response = logged_in(official).get(f"/portal/berichte/{report.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ortsanalyse-{deployment.slug}-{report.pk}.pdf"'
    )
    with report.file.open("rb") as stored:
        assert drain(response) == stored.read()


def test_a_report_not_yet_done_cannot_be_downloaded(deployment, official) -> None:
    report = stored_report(deployment, state="running")

    assert logged_in(official).get(f"/portal/berichte/{report.pk}/pdf/").status_code == 404
    api = logged_in(official).get(f"/api/reports/{report.pk}/download/")
    assert api.status_code == 409


def test_the_portal_offers_the_deployments_data_exports(deployment, official) -> None:
    plain = stored_export(deployment)
    moderated = stored_export(deployment, for_moderators=True)

    html = logged_in(official).get("/portal/").content.decode()

    assert f'href="/portal/exporte/{plain.pk}/datei/"' in html
    assert f"/portal/exporte/{moderated.pk}/" not in html
    response = logged_in(official).get(f"/portal/exporte/{plain.pk}/datei/")
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    drain(response)


def test_the_portal_page_costs_the_same_queries_for_more_deployments(deployment, official) -> None:
    def count_queries() -> int:
        client = logged_in(official)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portal/").status_code == 200
        return len(captured)

    stored_report(deployment)
    few = count_queries()
    for _ in range(4):
        more = DeploymentFactory(organisation=deployment.organisation, site=deployment.site)
        stored_report(more)
        stored_export(more)
    assert count_queries() == few


def test_staff_start_a_report_from_the_portal(deployment, staff, queued_builds) -> None:
    client = logged_in(staff)
    assert "Neue Ortsanalyse erstellen" in client.get("/portal/").content.decode()

    with_callbacks = client.post(
        f"/portal/einsaetze/{deployment.pk}/ortsanalyse/", {"language": "en"}
    )

    report = Report.objects.get(deployment=deployment)
    assert with_callbacks.status_code == 302
    assert (report.language, report.state, report.created_by) == ("en", "queued", staff)


def test_administration_users_cannot_start_reports_from_the_portal(deployment, official) -> None:
    response = logged_in(official).post(
        f"/portal/einsaetze/{deployment.pk}/ortsanalyse/", {"language": "de"}
    )

    assert response.status_code == 403
    assert not Report.objects.exists()


# --- Admin ------------------------------------------------------------------------------------


def test_ortsanalyse_erstellen_in_the_admin_asks_for_the_language(
    deployment, staff, queued_builds, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(staff)
    url = f"/admin/reports/report/erstellen/?deployment={deployment.pk}"

    form = client.get(url)
    assert form.status_code == 200
    assert "Ortsanalyse erstellen" in form.content.decode()
    assert 'name="language"' in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"deployment": deployment.pk, "language": "de"})

    report = Report.objects.get(deployment=deployment)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/reports/report/{report.pk}/change/"
    assert queued_builds == [report.pk]


def test_the_admin_does_not_offer_another_organisations_deployment(deployment) -> None:
    outsider = MembershipFactory().user

    response = logged_in(outsider).get(
        f"/admin/reports/report/erstellen/?deployment={deployment.pk}"
    )

    assert response.status_code == 404


def test_the_admin_list_shows_progress_and_the_detail_a_download(deployment, staff) -> None:
    running = stored_report(deployment, state="running")
    done = stored_report(deployment)
    client = logged_in(staff)

    listing = client.get("/admin/reports/report/").content.decode()
    detail = client.get(f"/admin/reports/report/{done.pk}/change/").content.decode()
    running_page = client.get(f"/admin/reports/report/{running.pk}/change/").content.decode()
    download = client.get(f"/admin/reports/report/{done.pk}/herunterladen/")

    assert '<progress class="report-progress" max="100" value="45"' in listing
    assert "45 % – Karten" in listing
    assert "42 s" in listing  # duration of the finished one
    assert f"/admin/reports/report/{done.pk}/herunterladen/" in detail
    assert 'http-equiv="refresh"' in running_page
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    drain(download)


def test_staff_rebuild_a_report_from_the_admin(deployment, staff, queued_builds) -> None:
    done = stored_report(deployment)
    client = logged_in(staff)

    response = client.post(f"/admin/reports/report/{done.pk}/neu-erstellen/")

    done.refresh_from_db()
    assert response.status_code == 302
    assert done.state == "queued"


# --- API --------------------------------------------------------------------------------------


def test_the_api_starts_a_report_and_reports_its_progress(
    deployment, staff, queued_builds, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(staff)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/reports/", {"deployment": deployment.pk}, content_type="application/json"
        )

    assert created.status_code == 201
    body = created.json()
    assert (body["state"], body["language"], body["progress"]) == ("queued", "de", 0)
    assert queued_builds == [body["id"]]
    Report.objects.filter(pk=body["id"]).update(state="running", progress=45, step="Karten")
    polled = client.get(f"/api/reports/{body['id']}/").json()
    assert (polled["state"], polled["progress"], polled["step"]) == ("running", 45, "Karten")
    assert polled["download_url"] is None


def test_the_api_lists_and_downloads_for_administration_users(deployment, official) -> None:
    report = stored_report(deployment)
    client = logged_in(official)

    listed = client.get("/api/reports/").json()
    download = client.get(f"/api/reports/{report.pk}/download/")

    assert [item["id"] for item in listed["results"]] == [report.pk]
    assert listed["results"][0]["download_url"].endswith(f"/api/reports/{report.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    drain(download)


def test_the_api_refuses_a_deployment_of_another_organisation(deployment) -> None:
    outsider = MembershipFactory().user

    response = logged_in(outsider).post(
        "/api/reports/", {"deployment": deployment.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "deployment" in response.json()


def test_the_api_rebuilds_a_finished_report_but_not_one_being_built(
    deployment, staff, official, queued_builds, django_capture_on_commit_callbacks
) -> None:
    done = stored_report(deployment)
    running = stored_report(deployment, state="running")
    client = logged_in(staff)

    with django_capture_on_commit_callbacks(execute=True):
        rebuilt = client.post(f"/api/reports/{done.pk}/rebuild/")
    refused = client.post(f"/api/reports/{running.pk}/rebuild/")

    assert rebuilt.status_code == 202
    assert rebuilt.json()["state"] == "queued"
    assert queued_builds == [done.pk]
    assert refused.status_code == 400
    assert "gerade erstellt" in str(refused.json())
    assert logged_in(official).post(f"/api/reports/{done.pk}/rebuild/").status_code == 403


def test_staff_read_why_a_build_failed(deployment, staff) -> None:
    failed = stored_report(deployment, state="failed")
    client = logged_in(staff)

    html = client.get("/portal/").content.decode()
    status = client.get(f"/portal/berichte/stand/?ids={failed.pk}").json()

    assert "Testfehler" in html
    assert status["reports"][0]["error"] == "Die Erstellung ist fehlgeschlagen: Testfehler"
