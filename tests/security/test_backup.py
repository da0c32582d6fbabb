"""Backup and restore (issue 9, item 8): the drill of docs/backup.md, run by CI."""

from __future__ import annotations

import pytest

from kiezlabor.devtools import restore_drill


@pytest.mark.smoke
def test_the_drill_reports_every_lost_row_and_changed_contribution() -> None:
    original = {"tables": {"a": 3, "b": 1}, "contributions": (2, "abc")}
    restored = {"tables": {"a": 2}, "contributions": (2, "abd")}

    problems = restore_drill.differences(original, restored)

    assert problems == [
        "a: 3 rows before, 2 after the restore",
        "b: 1 rows before, None after the restore",
        "contributions differ: (2, 'abc') != (2, 'abd')",
    ]
    assert restore_drill.differences(original, original) == []


@pytest.mark.services
@pytest.mark.timeout(180)
def test_a_pg_dump_backup_restores_to_the_same_database(capsys) -> None:
    exit_code = restore_drill.main([])

    output = capsys.readouterr()
    assert exit_code == 0, output.err
    assert "OK" in output.out
