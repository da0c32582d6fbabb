"""Background jobs whose row waits in the database: sent on commit, claimed once, swept if lost.

A long job (a report build, an import, an export) is a row in state ``queued`` before its
Celery task is sent, and the task is sent only once that row is committed. What can still go
wrong, and the answer to each:

- **The broker is unreachable when the task is sent.** The request still succeeds (the row is
  saved), the failed send is logged, and the periodic sweep sends the task again once the row
  has waited ``SEND_GRACE``.
- **A message arrives twice**: the sweep re-sent one that was only slow, or the broker gave back
  one whose worker died. A delivery takes a row only while it is queued and records its task
  id in it; a delivery with another id then finds the row running and does nothing, while the
  same message delivered again (or retried: Celery keeps the id) takes over the run its dead
  worker left.
- **A whole worker dies and no redelivery comes.** The sweep puts a row that has been running
  longer than its task's hard time limit back in the queue, or fails it after its last attempt.

The models keep ``state``, ``task_id``, ``queued_at``, ``started_at`` and ``attempts``; the
states are the strings ``queued`` and ``running`` in both ``Report.State`` and ``JobState``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Q
from kombu.exceptions import OperationalError as BrokerUnreachable

if TYPE_CHECKING:
    from celery import Task
    from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)

QUEUED, RUNNING = "queued", "running"

# A queued row whose task has not started after this long is sent again. The duplicate this
# makes when the first message was only slow is harmless (see ``claim``), so it can be short.
SEND_GRACE = dt.timedelta(minutes=5)

# Sending with the broker down must not hold a request for long: a few quick tries, then the
# sweep's turn.
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


def send_on_commit(task: Task, pk: int) -> None:
    """Send ``task(pk)`` once the current transaction commits; never fail the caller for it."""
    transaction.on_commit(partial(_send, task, pk))


def _send(task: Task, pk: int) -> None:
    try:
        task.apply_async((pk,), retry_policy=SEND_RETRY_POLICY)
    except BrokerUnreachable:
        logger.warning(
            "%s(%s) not sent, the broker is unreachable: the periodic sweep sends it again",
            task.name,
            pk,
        )


def claim(
    queryset: QuerySet, *, pk: int, task_id: str | None, now: dt.datetime, **changes: object
) -> bool:
    """Mark the row running for the delivery ``task_id``; whether this delivery may run it.

    Taken: a queued row, or a running row this very message ran before (its worker died, or
    the task retries). Not taken: a finished row, or one another delivery is running.
    ``task_id`` ``None`` (a direct call, not a delivery) takes a running row as well.
    ``changes`` are further fields written in the same update.
    """
    takeable = Q(state=QUEUED) | Q(
        state=RUNNING, **({} if task_id is None else {"task_id": task_id})
    )
    return bool(
        queryset.filter(takeable, pk=pk).update(
            state=RUNNING,
            task_id=task_id or "",
            started_at=now,
            attempts=F("attempts") + 1,
            **changes,
        )
    )


def sweep(
    model: type[Model],
    task: Task,
    *,
    now: dt.datetime,
    time_limit: dt.timedelta,
    max_attempts: int,
    fail: Callable[[Model], None],
    reset: dict[str, object] | None = None,
) -> dict[str, int]:
    """Send again what waits too long, requeue what lost its worker; counts of each.

    Rows queued for longer than ``SEND_GRACE`` are sent again (``resent``). Rows running longer
    than ``time_limit`` lost their worker: they go back to the queue with ``reset`` applied
    (``requeued``), or, after ``max_attempts`` runs, are handed to ``fail`` (``failed``).
    """
    counts = {"resent": 0, "requeued": 0, "failed": 0}
    with transaction.atomic():
        # Only what is needed: a report's row also holds its whole analysis.
        rows = model.objects.select_for_update(skip_locked=True).only("pk", "attempts")
        for row in rows.filter(state=QUEUED, queued_at__lt=now - SEND_GRACE):
            model.objects.filter(pk=row.pk).update(queued_at=now)
            send_on_commit(task, row.pk)
            counts["resent"] += 1
        for row in rows.filter(state=RUNNING, started_at__lt=now - time_limit):
            if row.attempts >= max_attempts:
                fail(row)
                counts["failed"] += 1
                continue
            model.objects.filter(pk=row.pk).update(
                state=QUEUED, queued_at=now, task_id="", **(reset or {})
            )
            send_on_commit(task, row.pk)
            counts["requeued"] += 1
    if any(counts.values()):
        logger.warning("%s sweep: %s", model._meta.label, counts)
    return counts
