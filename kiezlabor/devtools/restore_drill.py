"""The restore drill: prove that a ``pg_dump -Fc`` backup restores to the same database.

python -m kiezlabor.devtools.restore_drill [--keep]

Starts a throwaway PostgreSQL + PostGIS, migrates it, seeds a small lab (organisation, site,
deployment, tablet, partner contact, contributions with places and masked texts, an audit
entry), dumps it exactly as docs/backup.md says, restores the dump into a fresh database with
``pg_restore`` and compares the row count of every table and a checksum over all
contributions. Exits 0 when everything matches and 1 otherwise (printing the differences).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kiezlabor.devtools.services import LOOPBACK, PostgresServer

BASE_DIR = Path(__file__).resolve().parents[2]
RESTORED = "kiezlabor_restored"
CONTRIBUTIONS = 60

CONTRIBUTION_CHECKSUM = """
SELECT count(*), coalesce(md5(string_agg(md5(row_to_json(c)::text), '' ORDER BY c.id)), '')
FROM participation_contribution AS c
"""
TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name
"""


def seed() -> None:
    """Fill the (migrated) database named by DATABASE_URL with a small lab's data."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiezlabor.settings")
    import django

    django.setup()
    import datetime as dt

    from django.contrib.gis.geos import Point
    from django.db import transaction

    from deployments.models import Deployment, Organisation, Partner, PartnerContact, Site
    from deployments.services.audit import audit_record
    from participation.models import Contribution, Device

    with transaction.atomic():
        organisation = Organisation.objects.create(name="Stadtlabor Drill", slug="drill")
        site = Site.objects.create(
            organisation=organisation,
            name="Boxhagener Platz",
            address="Boxhagener Platz, 10245 Berlin",
            location=Point(13.4597, 52.5106, srid=4326),
            site_type=Site.SiteType.choices[0][0],
        )
        deployment = Deployment.objects.create(
            organisation=organisation,
            site=site,
            title="Kiezlabor am Boxi",
            slug="drill-boxi",
            starts_on=dt.date(2026, 5, 4),
            ends_on=dt.date(2026, 5, 31),
        )
        device = Device.objects.create(
            organisation=organisation, name="Tablet 1", deployment=deployment
        )
        partner = Partner.objects.create(
            organisation=organisation, name="Nachbarschaftshaus", kind=Partner.Kind.choices[0][0]
        )
        PartnerContact.objects.create(
            partner=partner,
            name="Erika Muster",
            email="erika@example.org",
            purpose="Programm 2026",
            delete_after=dt.date(2027, 6, 30),
        )
        Contribution.objects.bulk_create(
            Contribution(
                deployment=deployment,
                kind="idea",
                channel="kiosk",
                text=f"Mehr Bänke und Schatten am Platz – Idee Nr. {number} („bitte bald“).",
                text_was_masked=number % 7 == 0,
                language="de",
                location=Point(13.4597 + number / 10_000, 52.5106, srid=4326),
                rating=number % 5 + 1,
                age_band="65_plus" if number % 3 == 0 else "",
                device=device,
            )
            for number in range(CONTRIBUTIONS)
        )
        audit_record(actor=None, action="drill.seed", target=deployment)


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "KIEZLABOR_"))
    }
    return keep | {
        "DATABASE_URL": database_url,
        "KIEZLABOR_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "kiezlabor.settings",
    }


def _django(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, check=True)


def _connect(server: PostgresServer, database: str):
    import psycopg

    return psycopg.connect(
        host=LOOPBACK, port=server.port, user=server.user, dbname=database, autocommit=True
    )


def fingerprint(server: PostgresServer, database: str) -> dict[str, object]:
    """Row counts of every table and the contributions' checksum of one database."""
    from psycopg import sql

    with _connect(server, database) as connection:
        tables = [name for (name,) in connection.execute(TABLES).fetchall()]
        counts = {
            name: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
            ).fetchone()[0]
            for name in tables
        }
        contributions = connection.execute(CONTRIBUTION_CHECKSUM).fetchone()
    return {"tables": counts, "contributions": tuple(contributions)}


def backup(server: PostgresServer, dump: Path) -> None:
    """``pg_dump -Fc``: the routine of docs/backup.md."""
    subprocess.run(
        [
            server.bindir / "pg_dump",
            "--format=custom",
            "--no-owner",
            "-h",
            LOOPBACK,
            "-p",
            str(server.port),
            "-U",
            server.user,
            "-d",
            server.database,
            "-f",
            dump,
        ],
        check=True,
    )


def restore(server: PostgresServer, dump: Path, database: str) -> None:
    """Restore into a new, empty database (from template0: the dump brings PostGIS along)."""
    with _connect(server, "postgres") as connection:
        connection.execute(f"CREATE DATABASE {database} TEMPLATE template0")
    subprocess.run(
        [
            server.bindir / "pg_restore",
            "--exit-on-error",
            "--no-owner",
            "-h",
            LOOPBACK,
            "-p",
            str(server.port),
            "-U",
            server.user,
            "-d",
            database,
            dump,
        ],
        check=True,
    )


def differences(original: dict, restored: dict) -> list[str]:
    problems = []
    for table in sorted(set(original["tables"]) | set(restored["tables"])):
        before, after = original["tables"].get(table), restored["tables"].get(table)
        if before != after:
            problems.append(f"{table}: {before} rows before, {after} after the restore")
    if original["contributions"] != restored["contributions"]:
        problems.append(
            f"contributions differ: {original['contributions']} != {restored['contributions']}"
        )
    return problems


def drill(workdir: Path) -> list[str]:
    """Run the whole drill in ``workdir``; returns the differences found (none: success)."""
    with PostgresServer(workdir / "postgres") as server:
        env = _environment(server.url, workdir / "var")
        _django(env, "manage.py", "migrate", "--no-input", "--verbosity", "0")
        _django(env, "-m", "kiezlabor.devtools.restore_drill", "--seed")
        dump = workdir / "kiezlabor.dump"
        backup(server, dump)
        restore(server, dump, RESTORED)
        original = fingerprint(server, server.database)
        restored = fingerprint(server, RESTORED)
        if original["contributions"][0] != CONTRIBUTIONS:
            return [f"seeding failed: {original['contributions'][0]} contributions"]
        problems = differences(original, restored)
        print(
            f"restore drill: {len(original['tables'])} tables, "
            f"{sum(original['tables'].values())} rows, dump {dump.stat().st_size} bytes, "
            f"{'OK' if not problems else 'MISMATCH'}"
        )
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    options = parser.parse_args(argv)
    if options.seed:
        seed()
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="kiezlabor-restore-drill-"))
    workdir.chmod(0o755)  # the cluster's owner (postgres, when we are root) must reach it
    try:
        problems = drill(workdir)
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
