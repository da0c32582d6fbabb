"""Demo data of qualification: codebooks, Fachämter, and the moderators' work on the inputs.

Called by ``participation.demo.seed`` once residents' inputs and the team's records exist.
For each deployment it moderates the inputs as a moderator would – approve most, reject the
few that break the rules (spam, an insult, off-topic, a neighbour named), hide one, merge
identical ideas as duplicates, code the ideas, route some to a Fachamt of the site's district
and answer them publicly; one routing is left overdue. In the deployment still running, the
latest ideas wait in the queue. All writes go through the moderation services, so the audit
trail is complete.

Idempotent: codes and Fachämter are looked up by name, the few rule-breaking inputs carry
fixed client UUIDs, and a deployment with any moderated input is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from deployments.models import Area, Deployment, Membership, Organisation
from participation.models import (
    Channel,
    Code,
    Contribution,
    Department,
    Kind,
    ModerationStatus,
    PublicStatus,
    RejectionReason,
    Routing,
)
from participation.services import moderation, submissions

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UUID_NAMESPACE = uuid.UUID("0b7f4f65-1c1e-4d0e-9a5f-3c2b8f6a1d42")

# Top-level code → sub-codes.
CODEBOOK: dict[str, list[str]] = {
    "Grün und Freiraum": ["Bäume und Schatten", "Spielplätze", "Sitzgelegenheiten", "Wasser"],
    "Sauberkeit": ["Müll", "Hundekot"],
    "Verkehr": ["Radverkehr", "Fußverkehr und Querungen", "Parken", "ÖPNV"],
    "Nachbarschaft": ["Treffpunkte", "Wohnen und Mieten", "Sicherheit und Licht"],
    "Jugend": ["Orte für Jugendliche"],
    "Verwaltung": ["Digitale Angebote", "Beratung und Sprache"],
}
# Words in an idea → the sub-code it gets (first match wins).
KEYWORDS: list[tuple[tuple[str, ...], str]] = [
    (("bank", "bänke", "sitz", "bench", "лавок"), "Sitzgelegenheiten"),
    (("baum", "bäume", "schatten", "tree", "shade", "gölge", "الأشجار"), "Bäume und Schatten"),
    (("trinkbrunnen", "wasser", "gieß"), "Wasser"),
    (("spielplatz", "schaukel", "playground", "للعب"), "Spielplätze"),
    (("müll", "çöp"), "Müll"),
    (("hundekot",), "Hundekot"),
    (("rad", "bike", "велодоріжка"), "Radverkehr"),
    (("zebrastreifen", "kreuzung", "ampel", "yaya", "مشاة", "querung"), "Fußverkehr und Querungen"),
    (("park", "auto"), "Parken"),
    (("bus", "s-bahn", "tram", "bahn"), "ÖPNV"),
    (("licht", "light", "الإضاءة", "dunkel"), "Sicherheit und Licht"),
    (("miete", "kira", "wohnung"), "Wohnen und Mieten"),
    (("jugend", "teenager", "gençler"), "Orte für Jugendliche"),
    (("online", "digital", "termin", "daten"), "Digitale Angebote"),
    (("sprache", "українською", "beratung"), "Beratung und Sprache"),
    (("treff", "nachbar", "café", "sусіди", "зустрічатися"), "Treffpunkte"),
]
THEME_CODES = {
    "Grün- und Freiflächen": "Grün und Freiraum",
    "Verkehr und Mobilität": "Verkehr",
    "Jugend": "Jugend",
    "Digitale Verwaltung": "Verwaltung",
    "Nachbarschaft": "Nachbarschaft",
}

# Fachamt → (days to answer, the sub-codes it is responsible for).
DEPARTMENTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "Straßen- und Grünflächenamt": (
        28,
        (
            "Bäume und Schatten",
            "Spielplätze",
            "Sitzgelegenheiten",
            "Wasser",
            "Radverkehr",
            "Fußverkehr und Querungen",
        ),
    ),
    "Ordnungsamt": (14, ("Müll", "Hundekot", "Parken")),
    "Stadtentwicklungsamt": (42, ("Wohnen und Mieten", "Treffpunkte", "Sicherheit und Licht")),
    "Jugendamt": (28, ("Orte für Jugendliche",)),
    "Umwelt- und Naturschutzamt": (28, ()),
}
ANSWERS = {
    "Straßen- und Grünflächenamt": (
        "Das Straßen- und Grünflächenamt hat den Hinweis aufgenommen und prüft ihn bei der "
        "nächsten Begehung des Platzes im Frühjahr."
    ),
    "Ordnungsamt": (
        "Das Ordnungsamt kontrolliert den Bereich seit Kurzem häufiger; die BSR leert die "
        "Papierkörbe am Wochenende zusätzlich."
    ),
    "Stadtentwicklungsamt": (
        "Das Stadtentwicklungsamt nimmt den Vorschlag in die Planung für das "
        "Quartier auf und stellt sie im nächsten Jahr öffentlich vor."
    ),
    "Jugendamt": (
        "Das Jugendamt spricht mit den Trägern im Kiez über längere Öffnungszeiten und einen "
        "Treffpunkt für Jugendliche."
    ),
}

# Inputs that break the rules, one per deployment in turn: (reason, note, text).
RULE_BREAKERS = [
    (
        RejectionReason.SPAM,
        "Werbung für eine Firma.",
        "Günstige Umzüge und Entrümpelungen – ruft an unter 0176 12345678!",
    ),
    (
        RejectionReason.INSULT,
        "Beleidigt Beschäftigte des Bezirksamts.",
        "Die Leute vom Amt sind doch alle unfähig und faul, das bringt hier eh nichts.",
    ),
    (
        RejectionReason.OFF_TOPIC,
        "Bundespolitik, nicht der Kiez.",
        "Die Bundesregierung soll endlich die Steuern senken.",
    ),
    (
        RejectionReason.PERSONAL_DATA,
        "Nennt eine Nachbarin so, dass man sie erkennt.",
        "Frau K. aus dem Seitenflügel im Haus Nr. 12 stellt ständig ihren Sperrmüll in den Hof.",
    ),
]
HIDDEN_POSITION = 4
HIDE_NOTE = "Berechtigt, aber sehr persönlich geschildert – nur für das Team."
# Share of ideas in the running deployment that still wait for moderation.
WAITING_SHARE = 0.3
ROUTED_PER_DEPLOYMENT = 3


@transaction.atomic
def seed(deployments: Iterable[Deployment], *, today: dt.date | None = None) -> dict[str, int]:
    """Add codebooks and Fachämter, and moderate the inputs of ``deployments`` (once)."""
    today = today or timezone.localdate()
    deployments = list(deployments)
    organisations = {d.organisation_id: d.organisation for d in deployments}
    codebooks = {pk: _codebook(org) for pk, org in organisations.items()}
    departments = _departments(deployments)
    overdue_left = not Routing.objects.filter(
        contribution__deployment__in=deployments, status__in=moderation.OPEN_ROUTING
    ).exists()
    for index, deployment in enumerate(sorted(deployments, key=lambda d: d.starts_on)):
        if _already_moderated(deployment):
            continue
        moderator = _moderator(deployment.organisation)
        if moderator is None:
            continue
        _rule_breakers(deployment, index)
        overdue_left = _moderate(
            deployment,
            moderator=moderator,
            codes=codebooks[deployment.organisation_id],
            departments=departments.get(deployment.pk, {}),
            today=today,
            index=index,
            leave_overdue=overdue_left,
        )
    return {
        "codes": Code.objects.filter(organisation__in=organisations).count(),
        "departments": Department.objects.count(),
        "routings": Routing.objects.filter(contribution__deployment__in=deployments).count(),
    }


# --- Reference data -----------------------------------------------------------------------


def _codebook(organisation: Organisation) -> dict[str, Code]:
    """The organisation's codebook by name, created where missing."""
    existing = {
        (code.parent.name if code.parent else None, code.name): code
        for code in Code.objects.filter(organisation=organisation).select_related("parent")
    }
    lead = _moderator(organisation)
    codes: dict[str, Code] = {}
    for top_name, children in CODEBOOK.items():
        top = existing.get((None, top_name)) or moderation.code_create(
            organisation=organisation, name=top_name, by=lead
        )
        codes[top_name] = top
        for child_name in children:
            codes[child_name] = existing.get((top_name, child_name)) or moderation.code_create(
                organisation=organisation, name=child_name, parent=top, by=lead
            )
    return codes


def _departments(deployments: list[Deployment]) -> dict[int, dict[str, Department]]:
    """The Fachämter of each deployment's district, created where missing."""
    result: dict[int, dict[str, Department]] = {}
    for deployment in deployments:
        district = deployment.site.areas.filter(kind=Area.Kind.DISTRICT).first()
        if district is None:
            continue
        result[deployment.pk] = {
            name: Department.objects.get_or_create(
                district=district, name=name, defaults={"answer_within_days": days}
            )[0]
            for name, (days, _codes) in DEPARTMENTS.items()
        }
    return result


def _moderator(organisation: Organisation):
    membership = (
        Membership.objects.filter(
            organisation=organisation,
            role__in=[Membership.Role.MODERATOR, Membership.Role.MANAGER],
        )
        .select_related("user")
        .order_by("-role")  # "moderator" before "manager"
        .first()
    )
    return membership.user if membership else None


# --- Moderation ---------------------------------------------------------------------------


def _already_moderated(deployment: Deployment) -> bool:
    return (
        Contribution.objects.filter(deployment=deployment)
        .exclude(moderation_status=ModerationStatus.NEW)
        .exists()
    )


def _rule_breaker_uuid(deployment: Deployment) -> uuid.UUID:
    return uuid.uuid5(UUID_NAMESPACE, f"{deployment.slug}/rule-breaker")


def _rule_breakers(deployment: Deployment, index: int) -> None:
    """One input that breaks the rules, sent from a phone on the third evening."""
    _reason, _note, text = RULE_BREAKERS[index % len(RULE_BREAKERS)]
    sent_at = dt.datetime.combine(
        deployment.starts_on + dt.timedelta(days=2), dt.time(21, 14), tzinfo=BERLIN
    )
    client_uuid = _rule_breaker_uuid(deployment)
    if Contribution.objects.filter(client_uuid=client_uuid).exists() or sent_at > timezone.now():
        return
    contribution, _ = submissions.contribution_submit(
        deployment=deployment,
        device=None,
        channel=Channel.ONLINE,
        data=submissions.ContributionInput(
            client_uuid=client_uuid,
            kind=Kind.IDEA,
            language="de",
            created_on_device_at=sent_at,
            text=text,
        ),
    )
    Contribution.objects.filter(pk=contribution.pk).update(
        received_at=sent_at + dt.timedelta(seconds=20)
    )


def _moderate(
    deployment: Deployment,
    *,
    moderator,
    codes: dict[str, Code],
    departments: dict[str, Department],
    today: dt.date,
    index: int,
    leave_overdue: bool,
) -> bool:
    """Moderate one deployment's inputs; returns whether an overdue routing is still wanted."""
    rng = random.Random(f"{deployment.slug}/moderation")  # noqa: S311  (demo data)
    hide_one = index == 1
    contributions = list(
        Contribution.objects.filter(deployment=deployment)
        .select_related("theme", "deployment")
        .order_by("received_at", "pk")
    )
    ideas = [c for c in contributions if c.kind == Kind.IDEA]
    waiting = _waiting(deployment, ideas, today)
    breaker_uuid = _rule_breaker_uuid(deployment)
    originals: dict[str, Contribution] = {}
    approved_ideas: list[Contribution] = []
    hideable = [c for c in ideas[HIDDEN_POSITION:] if c.client_uuid != breaker_uuid]
    to_hide = hideable[0] if hide_one and hideable else None
    for contribution in contributions:
        if contribution in waiting:
            continue
        if contribution.client_uuid == breaker_uuid:
            reason, note, _text = RULE_BREAKERS[index % len(RULE_BREAKERS)]
            moderation.contribution_reject(
                contribution=contribution, by=moderator, reason=reason, note=note
            )
        elif contribution == to_hide:
            moderation.contribution_hide(contribution=contribution, by=moderator, note=HIDE_NOTE)
        elif contribution.kind == Kind.IDEA and contribution.text in originals:
            moderation.contribution_mark_duplicate(
                contribution=contribution, original=originals[contribution.text], by=moderator
            )
        else:
            moderation.contribution_approve(contribution=contribution, by=moderator)
            if contribution.kind == Kind.IDEA:
                originals[contribution.text] = contribution
                approved_ideas.append(contribution)
    for idea in approved_ideas:
        _code(idea, codes, moderator)
    return _route(
        approved_ideas,
        moderator=moderator,
        codes=codes,
        departments=departments,
        today=today,
        rng=rng,
        leave_overdue=leave_overdue,
    )


def _waiting(deployment: Deployment, ideas: list[Contribution], today: dt.date) -> set:
    if not deployment.starts_on <= today <= deployment.ends_on:
        return set()
    return set(ideas[len(ideas) - round(len(ideas) * WAITING_SHARE) :])


def _sub_code(idea: Contribution, codes: dict[str, Code]) -> Code | None:
    text = idea.text.lower()
    for words, name in KEYWORDS:
        if any(word in text for word in words):
            return codes[name]
    return None


def _code(idea: Contribution, codes: dict[str, Code], moderator) -> None:
    chosen = [code for code in (_sub_code(idea, codes),) if code is not None]
    if not chosen and idea.theme is not None and idea.theme.name in THEME_CODES:
        chosen = [codes[THEME_CODES[idea.theme.name]]]
    if chosen:
        moderation.contribution_codes_set(contribution=idea, codes=chosen, by=moderator)


def _route(
    ideas: list[Contribution],
    *,
    moderator,
    codes: dict[str, Code],
    departments: dict[str, Department],
    today: dt.date,
    rng: random.Random,
    leave_overdue: bool,
) -> bool:
    """Route a few coded ideas; answered where the deployment is long over, one left overdue."""
    if not departments:
        return leave_overdue
    responsible = {
        code_name: name for name, (_days, names) in DEPARTMENTS.items() for code_name in names
    }
    candidates = [
        (idea, departments[responsible[code.name]])
        for idea in ideas
        if (code := _sub_code(idea, codes)) is not None and code.name in responsible
    ]
    for idea, department in rng.sample(candidates, k=min(ROUTED_PER_DEPLOYMENT, len(candidates))):
        routing = moderation.routing_create(contribution=idea, department=department, by=moderator)
        forwarded_on = min(idea.deployment.ends_on, today) + dt.timedelta(days=2)
        if forwarded_on > today:
            continue
        due_on = forwarded_on + dt.timedelta(days=department.answer_within_days)
        # Back-date to when the team passed it on during the season (demo only).
        Routing.objects.filter(pk=routing.pk).update(forwarded_on=forwarded_on, due_on=due_on)
        routing.forwarded_on, routing.due_on = forwarded_on, due_on
        if due_on >= today:
            moderation.routing_update(routing=routing, by=moderator, status="in_progress")
        elif leave_overdue:
            leave_overdue = False
        elif department.name in ANSWERS:
            _answer(idea, routing, moderator, ANSWERS[department.name], due_on)
    return leave_overdue


def _answer(idea: Contribution, routing: Routing, moderator, answer: str, due_on) -> None:
    routing = moderation.routing_update(
        routing=routing, by=moderator, status=Routing.Status.ANSWERED, answer=answer
    )
    Routing.objects.filter(pk=routing.pk).update(answered_on=due_on - dt.timedelta(days=5))
    moderation.contribution_set_public_status(
        contribution=idea, by=moderator, status=PublicStatus.ANSWERED, feedback=answer
    )
