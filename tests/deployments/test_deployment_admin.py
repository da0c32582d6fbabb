"""The deployment change page: a save the planning check refuses keeps what the user typed."""

import datetime as dt

import pytest
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from deployments.models import Deployment
from tests.factories import DeploymentFactory, EventFactory, UserFactory, berlin_time

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def form_data(response) -> dict:
    """The POST data a browser would send back for the change page as it was rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name, field in management.fields.items():
            data[management.add_prefix(name)] = management.initial.get(name, field.initial)
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None:
                continue
            if hasattr(value, "all"):
                value = [item.pk for item in value.all()]
            elif isinstance(value, (list, tuple)):
                value = [getattr(item, "pk", item) for item in value]
            elif hasattr(value, "pk"):
                value = value.pk
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{index}"] = part
            else:
                data[form.add_prefix(name)] = value
    return data


def test_a_refused_save_shows_the_errors_and_keeps_the_typed_values(client: Client) -> None:
    deployment = DeploymentFactory(title="Boxhagener Platz")
    first_day = deployment.starts_on
    EventFactory(
        deployment=deployment,
        title="Fahrradwerkstatt",
        starts_at=berlin_time(first_day, 15),
        ends_at=berlin_time(first_day, 17),
    )
    client.force_login(UserFactory(is_superuser=True))
    url = reverse("admin:deployments_deployment_change", args=[deployment.pk])
    data = form_data(client.get(url))
    data["title"] = "Boxhagener Platz im Sommer"
    data["starts_on"] = (first_day + dt.timedelta(days=7)).isoformat()

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, not a redirect
    page = response.content.decode()
    assert "Nicht gespeichert – die Planungsprüfung hat Fehler gefunden" in page
    assert "„Fahrradwerkstatt“" in page
    assert 'value="Boxhagener Platz im Sommer"' in page
    deployment.refresh_from_db()
    assert (deployment.title, deployment.starts_on) == ("Boxhagener Platz", first_day)


def test_a_save_without_new_errors_goes_through(client: Client) -> None:
    deployment = DeploymentFactory(title="Boxhagener Platz")
    client.force_login(UserFactory(is_superuser=True))
    url = reverse("admin:deployments_deployment_change", args=[deployment.pk])
    data = form_data(client.get(url))
    data["title"] = "Boxhagener Platz im Sommer"

    response = client.post(url, data)

    assert response.status_code == 302
    assert Deployment.objects.get(pk=deployment.pk).title == "Boxhagener Platz im Sommer"
