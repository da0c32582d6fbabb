"""Tasks go through a real broker to a real worker process."""

import os

import pytest

from kiezlabor.celery import app as celery_app
from kiezlabor.tasks import ping

pytestmark = pytest.mark.services


def test_task_round_trip_through_redis_and_a_worker_process(celery_worker_process) -> None:
    assert celery_app.conf.broker_url.startswith("redis://")
    assert not celery_app.conf.task_always_eager

    result = ping.delay().get(timeout=30)

    assert result["pong"] is True
    assert result["pid"] != os.getpid()
    assert celery_worker_process.process.poll() is None
