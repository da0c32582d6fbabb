"""Public pages of a deployment: its programme as a web page and as an iCal feed."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from icalendar import Calendar, vDuration
from icalendar import Event as CalendarEvent

from deployments.models import Deployment
from deployments.selectors.programme import (
    ProgrammeItem,
    opening_hours,
    programme_days,
    programme_items,
    public_deployment,
    site_map,
)

# The programme changes a few times a day at most; short public caching spares the database.
PUBLIC_MAX_AGE = 5 * 60
# How often calendar apps should fetch a subscribed feed again.
FEED_REFRESH = dt.timedelta(hours=6)


@require_safe
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def programme_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The public programme of a deployment: where, when open, and what happens."""
    deployment = _public_deployment_or_404(slug)
    return render(
        request,
        "deployments/programme.html",
        {
            "deployment": deployment,
            "site": deployment.site,
            "site_map": site_map(site=deployment.site),
            "opening_days": opening_hours(deployment=deployment),
            "programme_days": programme_days(deployment=deployment),
            "ical_url": request.build_absolute_uri(
                reverse("deployments:programme-ical", kwargs={"slug": deployment.slug})
            ),
        },
    )


@require_safe
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def programme_ical(request: HttpRequest, slug: str) -> HttpResponse:
    """The public programme as an iCalendar feed (RFC 5545) to subscribe to."""
    deployment = _public_deployment_or_404(slug)
    page_url = request.build_absolute_uri(
        reverse("deployments:programme", kwargs={"slug": deployment.slug})
    )
    calendar = _programme_calendar(
        deployment, programme_items(deployment=deployment), page_url=page_url
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{deployment.slug}.ics"'
    return response


def _public_deployment_or_404(slug: str) -> Deployment:
    try:
        return public_deployment(slug=slug)
    except Deployment.DoesNotExist:
        message = _("Diesen Einsatz gibt es nicht oder er ist noch nicht veröffentlicht.")
        raise Http404(message) from None


def _programme_calendar(
    deployment: Deployment, items: list[ProgrammeItem], *, page_url: str
) -> Calendar:
    calendar = Calendar.new(
        prodid="-//Kiezlabor//Programm//DE",
        uid=f"deployment-{deployment.pk}@kiezlabor",
        name=_("%(title)s – Programm") % {"title": deployment.title},
        url=page_url,
    )
    calendar.add("x-wr-timezone", timezone.get_default_timezone_name())
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))

    stamp = timezone.now().replace(microsecond=0)
    site = deployment.site
    for item in items:
        event = item.event
        summary = event.title
        if item.is_cancelled:
            summary = _("Abgesagt: %(title)s") % {"title": event.title}
        entry = CalendarEvent.new(
            uid=f"event-{event.pk}@kiezlabor",
            stamp=stamp,
            start=item.starts_at,
            end=item.ends_at,
            summary=summary,
            description=_event_description(item, page_url=page_url),
            location=site.address,
            status="CANCELLED" if item.is_cancelled else "CONFIRMED",
            url=page_url,
        )
        entry.add("geo", (site.location.y, site.location.x))
        calendar.add_component(entry)

    if items:
        first_year = min(item.starts_at.year for item in items)
        last_year = max(item.ends_at.year for item in items)
        calendar.add_missing_timezones(
            first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1)
        )
    return calendar


def _event_description(item: ProgrammeItem, *, page_url: str) -> str:
    event = item.event
    lines = []
    if item.is_cancelled:
        lines.append(_("Abgesagt: %(reason)s") % {"reason": event.cancel_reason})
    if event.description:
        lines.append(event.description)
    lines.append(_("Format: %(format)s") % {"format": event.get_format_display()})
    if item.host_names:
        lines.append(_("Veranstaltet von: %(hosts)s") % {"hosts": ", ".join(item.host_names)})
    if item.target_group_names:
        lines.append(_("Für: %(groups)s") % {"groups": ", ".join(item.target_group_names)})
    if item.language_names:
        lines.append(_("Sprachen: %(languages)s") % {"languages": ", ".join(item.language_names)})
    if event.accessibility:
        lines.append(_("Barrierefreiheit: %(notes)s") % {"notes": event.accessibility})
    lines.append(_("Programm: %(url)s") % {"url": page_url})
    return "\n".join(lines)
