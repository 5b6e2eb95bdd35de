"""Celery tasks: thin wrappers over the services (scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from zhijia.wellbeing import services


@shared_task
def escalate_crisis_flags_task() -> int:
    return services.crisis_flags_escalate()


@shared_task
def remind_bookings_task() -> int:
    return services.bookings_remind()


@shared_task
def purge_wellbeing_data_task() -> dict:
    return services.wellbeing_purge_expired()
