"""gunicorn's settings (``--config python:kiezlabor.gunicorn_conf``), read by the web container
(Dockerfile) and the kiosk benchmark alike.

Synchronous workers, two per core: they overlap one another's waits on PostgreSQL. On the
benchmark machine, where PostgreSQL shares the two cores, 2 × cores beat gunicorn's usual
2 × cores + 1 (kiosk 164 against 128 req/s), and threaded workers (``GUNICORN_THREADS`` > 1)
sped up cheap requests more than the kiosk's, at a higher 95th-percentile latency. Each
number can be set per environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
# Tablets send their queues in bursts after being offline; waiting connections queue here.
backlog = int(os.environ.get("GUNICORN_BACKLOG", 256))
