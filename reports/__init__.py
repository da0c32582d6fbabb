"""Reports: Celery report jobs, PDF rendering, the administration's portal and downloads."""
