"""Residents' and staff's input per deployment, and the work that qualifies it."""

from participation.models.contributions import (
    AboutYou,
    Channel,
    Contribution,
    HeardVia,
    Kind,
    ModerationStatus,
    PublicStatus,
    RejectionReason,
    Relation,
)
from participation.models.devices import Device
from participation.models.jobs import ExportJob, ImportJob, ImportProfile, JobState
from participation.models.polls import Poll, PollAnswer, PollOption
from participation.models.qualification import Code, Department, Routing
from participation.models.records import (
    ReflectionEntry,
    VisitorCount,
    WorkshopPhoto,
    WorkshopResult,
)

__all__ = [
    "AboutYou",
    "Channel",
    "Code",
    "Contribution",
    "Department",
    "Device",
    "ExportJob",
    "HeardVia",
    "ImportJob",
    "ImportProfile",
    "JobState",
    "Kind",
    "ModerationStatus",
    "Poll",
    "PollAnswer",
    "PollOption",
    "PublicStatus",
    "ReflectionEntry",
    "RejectionReason",
    "Relation",
    "Routing",
    "VisitorCount",
    "WorkshopPhoto",
    "WorkshopResult",
]
