"""The analysis of one deployment as a single versioned, JSON-serialisable value.

A report keeps the snapshot it was built from, so a published report never drifts when new
data arrives. ``SNAPSHOT_VERSION`` goes up whenever a field changes meaning or shape; a snapshot
of another version is refused rather than read wrongly, and so is one whose keys or types do not
match the dataclasses.

msgspec converts in C: a 100,000-input snapshot carries ~180,000 contribution ids, which
``dataclasses.asdict`` deep-copied and dacite checked one Python call at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec
import msgspec.inspect

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
        return msgspec.to_builtins(self, enc_hook=_plain_float)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """The snapshot stored as ``data``; ``msgspec.ValidationError`` if it does not fit."""
        if data.get("version") != SNAPSHOT_VERSION:
            raise SnapshotVersionError(
                f"snapshot version {data.get('version')!r}, expected {SNAPSHOT_VERSION}"
            )
        _refuse_unknown_keys(_snapshot_type(), data, "$")
        # strict: no strings for numbers, no booleans for numbers. Whole numbers are read as floats
        # where the field is a float (the counts in ``space.pin_grid`` are stored as ints).
        return msgspec.convert(data, type=cls, strict=True)


def _plain_float(value: Any) -> float:
    # NumPy floats are floats to json.dumps, not to msgspec; ``float()`` keeps their digits.
    if isinstance(value, float):
        return float(value)
    raise NotImplementedError(f"{type(value).__name__} cannot be stored in a snapshot")


@cache
def _snapshot_type() -> msgspec.inspect.Type:
    return msgspec.inspect.type_info(Snapshot)


def _refuse_unknown_keys(kind: msgspec.inspect.Type, value: Any, path: str) -> None:
    """Refuse keys no dataclass field has: msgspec ignores them, but they mean a foreign shape.

    Walks only where dataclasses can be, so lists of ids are not visited item by item; the
    types themselves are checked by ``msgspec.convert`` afterwards.
    """
    if isinstance(kind, msgspec.inspect.UnionType):
        kind = next((member for member in kind.types if _fits(member, value)), None)
    if isinstance(kind, msgspec.inspect.DataclassType) and isinstance(value, dict):
        fields = {field.encode_name: field.type for field in kind.fields}
        for key, item in value.items():
            if key not in fields:
                raise msgspec.ValidationError(
                    f"Object contains unknown field `{key}` - at `{path}`"
                )
            _refuse_unknown_keys(fields[key], item, f"{path}.{key}")
    elif isinstance(kind, msgspec.inspect.CollectionType) and isinstance(value, list):
        _refuse_unknown_keys_in_items(kind.item_type, enumerate(value), path)
    elif isinstance(kind, msgspec.inspect.DictType) and isinstance(value, dict):
        _refuse_unknown_keys_in_items(kind.value_type, value.items(), path)


def _refuse_unknown_keys_in_items(
    kind: msgspec.inspect.Type, items: Iterable[tuple[Any, Any]], path: str
) -> None:
    if _holds_dataclasses(kind):
        for key, item in items:
            _refuse_unknown_keys(kind, item, f"{path}[{key!r}]")


def _fits(kind: msgspec.inspect.Type, value: Any) -> bool:
    if isinstance(value, dict):
        return isinstance(kind, msgspec.inspect.DataclassType | msgspec.inspect.DictType)
    return isinstance(value, list) and isinstance(kind, msgspec.inspect.CollectionType)


def _holds_dataclasses(kind: msgspec.inspect.Type) -> bool:
    if isinstance(kind, msgspec.inspect.DataclassType):
        return True
    if isinstance(kind, msgspec.inspect.UnionType):
        return any(_holds_dataclasses(member) for member in kind.types)
    if isinstance(kind, msgspec.inspect.CollectionType):
        return _holds_dataclasses(kind.item_type)
    if isinstance(kind, msgspec.inspect.DictType):
        return _holds_dataclasses(kind.value_type)
    return False
