"""``make bench``: every benchmark of issue 8 in one run, against throwaway services.

python -m bench [--runs 5] [--kiosk-seconds 30] [--export-rows 1000000] [--quick]

Starts PostgreSQL + PostGIS and Redis (``kiezlabor.devtools.services``), migrates, measures
query counts, generates the data (deterministic), then runs the kiosk (gunicorn + wrk), report
(Celery worker) and export (Celery worker) benchmarks and writes ``bench/results.json`` and
``docs/performance.md``. Prints PASS or FAIL per target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from kiezlabor.devtools.services import PostgresServer, RedisServer

BASE_DIR = Path(__file__).resolve().parents[1]


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kiosk-seconds", type=int, default=30)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--report-sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1_000, 10_000, 100_000],
    )
    parser.add_argument(
        "--only", default="queries,kiosk,report,export", help="comma-separated benchmarks"
    )
    parser.add_argument("--keep", action="store_true", help="do not write the result files")
    args = parser.parse_args()
    _stop_on_sigterm()
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="kiezlabor-bench-"))
        os.chmod(workdir, 0o755)  # noqa: S103 - the postgres user needs to reach its data directory
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        postgres = stack.enter_context(PostgresServer(workdir / "postgres"))
        redis = stack.enter_context(RedisServer(workdir / "redis"))
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "DATABASE_URL": postgres.url,
                "DATABASE_CONN_MAX_AGE": "60",
                "CELERY_BROKER_URL": redis.url + "/0",
                "CELERY_RESULT_BACKEND": redis.url + "/0",
                "CACHE_URL": redis.url + "/2",  # the throttles count there, as in production
                "KIEZLABOR_VAR_DIR": str(workdir / "var"),
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": "kiezlabor-benchmark-only-" + "x" * 40,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
            }
        )
        (workdir / "var" / "static").mkdir(parents=True)  # whitenoise warns without it
        from bench import run

        return run.run_all(args, workdir=workdir, stack=stack)


if __name__ == "__main__":
    sys.exit(main())
