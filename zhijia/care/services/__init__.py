"""Care writes, one module per process: budgets (campaigns and allocations), visits (and stock), hardship files and
assistance, mutual aid. Import the use cases from here."""

from zhijia.care.services.budgets import (
    allocation_create,
    allocation_reallocate,
    allocation_return,
    campaign_create,
    campaign_totals,
)
from zhijia.care.services.hardship import (
    assistance_record,
    hardship_file_approve,
    hardship_file_check,
    hardship_file_close,
    hardship_file_open,
    hardship_file_review,
    hardship_review_reminders_send,
    living_standard_set,
)
from zhijia.care.services.mutual_aid import claim_pay, claim_review, claim_submit, plan_create, plan_enrol_roster
from zhijia.care.services.visits import stock_receive, visit_attach, visit_recipients_import, visit_record

__all__ = [
    "allocation_create", "allocation_reallocate", "allocation_return", "assistance_record", "campaign_create",
    "campaign_totals", "claim_pay", "claim_review", "claim_submit", "hardship_file_approve", "hardship_file_check",
    "hardship_file_close", "hardship_file_open", "hardship_file_review", "hardship_review_reminders_send",
    "living_standard_set",
    "plan_create", "plan_enrol_roster", "stock_receive", "visit_attach", "visit_recipients_import", "visit_record",
]
