"""Celery tasks of selections: thin wrappers around services."""

from celery import shared_task

from zhijia.honors.models import Selection, Stage
from zhijia.honors.services import live_totals_rebuild


@shared_task
def reconcile_live_totals_task() -> int:
    """Reset the cached live vote totals of every selection in its public vote from the ledger of votes."""
    n = 0
    for selection_id in Selection.objects.filter(stage=Stage.PUBLIC_VOTE).values_list("id", flat=True):
        n += live_totals_rebuild(selection_id=selection_id)
    return n
