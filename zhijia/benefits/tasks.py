"""Celery tasks: thin wrappers over the services (beat runs the periodic ones, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from zhijia.benefits import services


@shared_task(name="benefits.expire_holds_task")
def expire_holds_task() -> int:
    return services.holds_expire()


@shared_task(name="benefits.draw_due_lotteries_task")
def draw_due_lotteries_task() -> int:
    return services.lotteries_draw_due()


@shared_task(name="benefits.reconcile_gates_task")
def reconcile_gates_task() -> int:
    return services.benefits_reconcile_open()


@shared_task(name="benefits.settle_waitlists_task")
def settle_waitlists_task() -> int:
    return services.waitlist_settle()


@shared_task(name="benefits.notify_claim_task")
def notify_claim_task(claim_id: int) -> bool:
    return services.claim_notify(claim_id=claim_id)


@shared_task(name="benefits.notify_draw_task")
def notify_draw_task(benefit_id: int) -> int:
    return services.draw_notify(benefit_id=benefit_id)
