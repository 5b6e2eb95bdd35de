"""Celery for scheduled and bulk jobs. With no REDIS_URL (the embedded default) tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijia.settings")

app = Celery("zhijia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
