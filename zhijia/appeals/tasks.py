"""Periodic jobs (Celery beat): thin wrappers around the services."""

from celery import shared_task

from zhijia.appeals import services


@shared_task
def sweep_appeal_deadlines_task() -> dict:
    return services.deadline_sweep()


@shared_task
def deliver_appeal_outbox_task() -> dict:
    return services.outbox_deliver()


@shared_task
def expire_appeal_ratings_task() -> int:
    return services.rating_expire_sweep()
