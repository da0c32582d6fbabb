"""Project-wide Celery tasks."""

import os
import socket

from celery import shared_task


@shared_task(name="kiezlabor.ping", soft_time_limit=10, time_limit=20)
def ping() -> dict[str, object]:
    """Answer with the worker's host and process id: proves a round trip through a real worker."""
    return {"pong": True, "hostname": socket.gethostname(), "pid": os.getpid()}
