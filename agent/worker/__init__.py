"""Render workers: the Celery app, its tasks and the fan-out a production sends them through."""
