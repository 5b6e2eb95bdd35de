"""Celery tasks: thin wrappers over the services (scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from zhijia.challenge import services


@shared_task
def reconcile_challenge_totals_task() -> int:
    return services.challenge_totals_reconcile()
