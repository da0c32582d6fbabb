"""The snapshot as stored in a report: the shape of its dataclasses, read back strictly."""

import copy
import dataclasses
import json

import msgspec
import numpy as np
import pytest

from analysis.services import analysis_compute
from analysis.snapshot import Snapshot
from tests.analysis.test_services import deployment  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def stored(deployment):  # noqa: F811 (the imported fixture)
    """A snapshot as the database gives it back: through JSON."""
    return json.loads(json.dumps(analysis_compute(deployment=deployment).to_dict()))


def _set(data: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(data)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed


def test_the_stored_snapshot_has_the_keys_and_values_of_its_dataclasses(deployment) -> None:  # noqa: F811
    snapshot = analysis_compute(deployment=deployment)

    # Reports stored before msgspec were written with dataclasses.asdict and must still read.
    assert json.dumps(snapshot.to_dict()) == json.dumps(dataclasses.asdict(snapshot))


@pytest.mark.parametrize(
    "path",
    [
        ("surprise",),
        ("figures", "surprise"),
        ("space", "hotspots", 0, "surprise"),
        ("space", "hotspots", 0, "themes", 0, "surprise"),
        ("proposals", 0, "evidence", 0, "surprise"),
    ],
)
def test_a_snapshot_with_unknown_keys_is_refused(stored, path) -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `surprise`"):
        Snapshot.from_dict(_set(stored, path, 1))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("figures", "inputs"), "12"),
        (("figures", "inputs"), True),
        (("figures", "inputs"), 12.5),
        (("space", "pinned_share"), "1.0"),
        (("space", "hotspots", 0, "contribution_ids", 0), "7"),
        (("space", "hotspots", 0), None),
        (("figures",), None),
    ],
)
def test_a_snapshot_with_values_of_the_wrong_type_is_refused(stored, path, value) -> None:
    with pytest.raises(msgspec.ValidationError):
        Snapshot.from_dict(_set(stored, path, value))


def test_whole_numbers_are_read_as_floats_where_the_snapshot_has_floats(stored) -> None:
    snapshot = Snapshot.from_dict(_set(stored, ("space", "pinned_share"), 1))

    assert snapshot.space.pinned_share == 1.0
    assert isinstance(snapshot.space.pinned_share, float)


def test_a_field_with_a_default_may_be_missing(stored) -> None:
    data = copy.deepcopy(stored)
    del data["proposals"][0]["event_ids"]

    assert Snapshot.from_dict(data).proposals[0].event_ids == []


def test_numpy_floats_are_stored_as_plain_numbers(deployment) -> None:  # noqa: F811
    snapshot = analysis_compute(deployment=deployment)
    space = dataclasses.replace(snapshot.space, pinned_share=np.float64(0.25))

    data = dataclasses.replace(snapshot, space=space).to_dict()

    assert type(data["space"]["pinned_share"]) is float
    assert json.loads(json.dumps(data))["space"]["pinned_share"] == 0.25
