from celery import shared_task

from zhijia.care.services import hardship_review_reminders_send


@shared_task(name="zhijia.care.tasks.send_review_reminders_task")
def send_review_reminders_task() -> int:
    """Daily: a reminder for every hardship file whose annual review is due within the notice period."""
    return hardship_review_reminders_send()
