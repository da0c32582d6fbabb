"""The analysis of one deployment as a single versioned, JSON-serialisable value.

A report keeps the snapshot it was built from, so a published report never drifts when new
data arrives. ``SNAPSHOT_VERSION`` goes up whenever a field changes meaning or shape; a snapshot
of another version is refused rather than read wrongly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import dacite

from analysis.comparison import Comparison
from analysis.figures import Figures
from analysis.recommendations import Proposal
from analysis.representativeness import Representativeness
from analysis.space import Space
from analysis.topics import Topics

SNAPSHOT_VERSION = 1


class SnapshotVersionError(ValueError):
    """A stored snapshot was made by another version of the analysis."""


@dataclass(frozen=True)
class DeploymentInfo:
    """What the report says about the deployment itself."""

    id: int
    title: str
    organisation: str
    site_name: str
    site_address: str
    district: str
    areas: list[str]
    target_groups: list[str]
    starts_on: str
    ends_on: str


@dataclass(frozen=True)
class Outline:
    """An official area drawn on the report's maps (rings in EPSG:25833 metres)."""

    code: str
    name: str
    rings: list[list[list[float]]]


@dataclass(frozen=True)
class MapGeometry:
    """What the report's maps draw besides the pins: the site and the areas around it."""

    site: list[float]
    outlines: list[Outline]


@dataclass(frozen=True)
class Snapshot:
    """Everything the analysis found about one deployment at one moment."""

    version: int
    computed_at: str
    deployment: DeploymentInfo
    figures: Figures
    representativeness: Representativeness
    topics: Topics
    space: Space
    map: MapGeometry
    comparison: Comparison
    proposals: list[Proposal]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        if data.get("version") != SNAPSHOT_VERSION:
            raise SnapshotVersionError(
                f"snapshot version {data.get('version')!r}, expected {SNAPSHOT_VERSION}"
            )
        return dacite.from_dict(cls, data, config=dacite.Config(strict=True))
