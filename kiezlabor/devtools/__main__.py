"""The two commands behind ``make demo`` and ``make test``, run inside the project's virtualenv.

python -m kiezlabor.devtools demo          # migrate, load demo data, serve with a worker
python -m kiezlabor.devtools test [ARGS]   # whole suite on PostGIS + Redis, smoke on SpatiaLite
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from kiezlabor.devtools.services import PostgresServer, RedisServer, is_reachable

BASE_DIR = Path(__file__).resolve().parents[2]
PROCFILE = Path(__file__).with_name("Procfile.demo")
DEMO_ADMIN = ("admin", "kiezlabor-demo")


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that started services are stopped on the way out."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def _venv_environment() -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bindir, os.environ.get("PATH", "")])}


def prepare_demo() -> None:
    """Migrate, load the demo data that exists, and (re)set the demo admin's login."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiezlabor.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command, get_commands

    call_command("migrate", interactive=False, verbosity=0)
    available = get_commands()
    for command in ("load_berlin_areas", "seed_demo"):
        if command in available:
            call_command(command)

    username, password = DEMO_ADMIN
    admin, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.set_password(password)
    admin.save()


def demo() -> int:
    prepare_demo()
    username, password = DEMO_ADMIN
    print(
        "\n  Kiezlabor demo: http://127.0.0.1:8000/admin/\n"
        f"  Login: {username} / {password}\n"
        "  Ctrl-C stops the web server and the worker.\n",
        flush=True,
    )
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent))
    if honcho is None:
        raise SystemExit("honcho is missing: run 'make demo' to install the dependencies")
    os.chdir(BASE_DIR)
    os.execve(
        honcho, [honcho, "start", "-f", str(PROCFILE), "-d", str(BASE_DIR)], _venv_environment()
    )
    return 0  # not reached


def _pytest(args: list[str], env: dict[str, str]) -> int:
    return subprocess.run([sys.executable, "-m", "pytest", *args], env=env, cwd=BASE_DIR).returncode


NO_TESTS_COLLECTED = 5  # pytest's exit code


def test(pytest_args: list[str]) -> int:
    """Run the suite against PostGIS and Redis (started here if none is reachable)."""
    _stop_on_sigterm()
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="kiezlabor-test-"))
        os.chmod(workdir, 0o755)  # the postgres user needs to reach its data directory
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)

        database_url = os.environ.get("DATABASE_URL", "")
        if not (database_url.startswith(("postgis", "postgres")) and is_reachable(database_url)):
            database_url = stack.enter_context(PostgresServer(workdir / "postgres")).url
        broker_url = os.environ.get("CELERY_BROKER_URL", "")
        if not (broker_url.startswith("redis") and is_reachable(broker_url)):
            broker_url = stack.enter_context(RedisServer(workdir / "redis")).url + "/0"

        env = _venv_environment() | {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            "KIEZLABOR_VAR_DIR": str(workdir / "var"),
            "KIEZLABOR_REQUIRE_SERVICES": "1",
            "DJANGO_DEBUG": "true",
        }
        print("== Whole suite on PostgreSQL + PostGIS, Redis and a Celery worker", flush=True)
        suite = _pytest(pytest_args, env)

        smoke_env = {key: value for key, value in env.items() if key != "DATABASE_URL"}
        smoke_env["KIEZLABOR_VAR_DIR"] = str(workdir / "var-spatialite")
        print("== Smoke subset on SQLite + SpatiaLite", flush=True)
        smoke = _pytest(["-m", "smoke", *pytest_args], smoke_env)
    if smoke == NO_TESTS_COLLECTED and pytest_args:
        smoke = 0  # the chosen tests need PostgreSQL, none of them is a smoke test
    return suite or smoke


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m kiezlabor.devtools")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="migrate, load demo data and serve on 127.0.0.1:8000")
    run_tests = commands.add_parser("test", help="run the test suite against real services")
    run_tests.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "demo":
        return demo()
    return test(args.pytest_args)


if __name__ == "__main__":
    sys.exit(main())
