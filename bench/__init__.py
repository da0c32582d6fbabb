"""Benchmarks of issue 8: ``make bench`` (``python -m bench``); see docs/performance.md."""
