"""The Celery application; configuration comes from Django settings (``CELERY_*``)."""

import gc
import importlib
import logging
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiezlabor.settings")

logger = logging.getLogger(__name__)

app = Celery("kiezlabor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What building a report loads. Web processes import most of it only when first needed.
REPORT_STACK = (
    "analysis.services",
    "analysis.topics",
    "reports.rendering",
    "scipy.sparse",
    "sklearn.decomposition",
    "sklearn.feature_extraction.text",
)


@signals.worker_init.connect
def preload_report_stack(**_kwargs) -> None:
    """Load the report stack once in the worker's main process and freeze it for the collector.

    The pool's processes are forked from here and share these pages instead of each loading
    pandas, scikit-learn, matplotlib and WeasyPrint on its first report. Frozen (``gc.freeze``,
    made for exactly this), the libraries' objects are no longer walked by every full
    collection: a PDF of 100,000 inputs sets off many, and they took a fifth of its time.
    Runs after Celery's Django fixup has set Django up (it connected to this signal first).
    """
    for module in REPORT_STACK:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()
    logger.info("report stack loaded; %d objects frozen", gc.get_freeze_count())
