import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

from kiezlabor.celery import app as celery_app
from tests.participation.browser import (  # noqa: F401 (fixtures for every browser test)
    browser_fixture,
    context_fixture,
    page_fixture,
    playwright_fixture,
)

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICES_REQUIRED = os.environ.get("KIEZLABOR_REQUIRE_SERVICES") == "1"


def _services_available() -> bool:
    return celery_app.conf.broker_url.startswith("redis") and settings.DATABASES["default"][
        "ENGINE"
    ].endswith("postgis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip service tests on a bare ``pytest`` run; under ``make test`` they must run."""
    if SERVICES_REQUIRED or _services_available():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL + Redis: run 'make test'")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache: ids repeat from test to test, and a value cached
    under one test's deployment 1 must not answer for the next test's."""
    for cache in caches.all(initialized_only=True):
        cache.clear()


def database_url() -> str:
    """The URL of the database this test process uses (the test database, once set up)."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgis://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class WorkerProcess:
    """A real ``celery worker`` process working on the test database."""

    def __init__(self, log_path: Path) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = os.environ | {"DATABASE_URL": database_url()}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "kiezlabor",
                    "worker",
                    "--hostname",
                    self.name,
                    "--concurrency",
                    "1",
                    # A fresh child per task: transactional tests flush the database between
                    # tasks, and a long-lived child would keep stale ContentType ids cached.
                    "--max-tasks-per-child",
                    "1",
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; see {self.log_path}")
            if celery_app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"worker did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """A Celery worker process, started once per session, on the test database and Redis."""
    worker = WorkerProcess(tmp_path_factory.mktemp("celery") / "worker.log")
    worker.start()
    yield worker
    worker.stop()
