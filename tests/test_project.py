"""Project-wide invariants: migrations complete and applied, API schema valid."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.smoke


@pytest.mark.django_db
def test_models_have_no_missing_migrations() -> None:
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_all_migrations_are_applied_on_this_backend() -> None:
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(targets) == []
    assert executor.loader.applied_migrations


def test_openapi_schema_builds_without_warnings(tmp_path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(target))
    assert "openapi: 3" in target.read_text()
