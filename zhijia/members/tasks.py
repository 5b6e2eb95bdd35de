"""Background jobs of the members app: thin wrappers around the import services."""

from __future__ import annotations

from celery import shared_task

from zhijia.members import imports


@shared_task(name="members.validate_roster_import")
def validate_roster_import_task(import_id: int) -> str:
    return imports.roster_import_validate(import_id=import_id).status


@shared_task(name="members.commit_roster_import")
def commit_roster_import_task(import_id: int) -> str:
    return imports.roster_import_run_commit(import_id=import_id).status
