"""How the platform's PostgreSQL connections are set up."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_postgresql_connections_do_not_jit_compile_queries() -> None:
    """JIT took 0.8 s to compile the report's data loading, which then ran in 0.03 s."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
