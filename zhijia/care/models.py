"""Care (关爱帮扶): 送温暖 campaigns with budgets down the union tree, visits, hardship files and mutual aid.

Money is `Decimal` yuan with two places everywhere. Budgets are a tree of `Allocation`s per campaign: the root is the
campaign's own union with the whole budget; each child allocation takes money from the nearest allocated ancestor.
Each allocation keeps three counters (`amount`, `allocated`, `spent`) that only services change, under a row lock,
and every change is also one `BudgetEntry` row (an append-only ledger: reallocations and returns are entries, never
overwrites). A check constraint holds `allocated + spent <= amount` in the database as the last line of defence.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhijia.core.fields import EncryptedTextField

ZERO = Decimal("0.00")


def money_field(label: str, **kw) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=ZERO, **kw)


# --- 送温暖 campaigns and budgets -------------------------------------------------------------------------------
class WarmthCampaign(models.Model):
    name = models.CharField("活动名称", max_length=120)
    season = models.CharField("季节/年度", max_length=40, blank=True)
    target_groups = models.CharField("慰问对象", max_length=200, blank=True)
    funding_sources = models.CharField("资金来源", max_length=200, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    budget = money_field("预算总额")
    union = models.ForeignKey("orgs.Union", verbose_name="发起单位", on_delete=models.PROTECT,
                              related_name="warmth_campaigns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "送温暖活动"
        verbose_name_plural = "送温暖活动"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_period_ordered"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="campaign_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Allocation(models.Model):
    """One union's share of one campaign. `amount` = money received, `allocated` = passed on to child allocations,
    `spent` = recorded visits. Remaining = amount - allocated - spent."""

    campaign = models.ForeignKey(WarmthCampaign, on_delete=models.PROTECT, related_name="allocations")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="care_allocations")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    amount = money_field("分配金额")
    allocated = money_field("已下拨")
    spent = money_field("已支出")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "预算分配"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "union"], name="allocation_one_per_union"),
            models.CheckConstraint(condition=Q(allocated__gte=0) & Q(spent__gte=0) & Q(amount__gte=0),
                                   name="allocation_counters_not_negative"),
            models.CheckConstraint(condition=Q(amount__gte=F("allocated") + F("spent")),
                                   name="allocation_within_amount"),
        ]

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.allocated - self.spent


class EntryKind(models.TextChoices):
    BUDGET = "budget", _("设立预算")
    ALLOCATE = "allocate", _("下拨")
    RETURN = "return", _("退回")
    REALLOCATE = "reallocate", _("调剂")
    SPEND = "spend", _("慰问支出")


class BudgetEntry(models.Model):
    """The append-only ledger: every move of campaign money, with who did it and why."""

    campaign = models.ForeignKey(WarmthCampaign, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=16, choices=EntryKind.choices)
    source = models.ForeignKey(Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = money_field("金额")
    visit = models.ForeignKey("Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "资金流水"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="entry_amount_positive")]


# --- goods stock ----------------------------------------------------------------------------------------------
class GoodsKind(models.TextChoices):
    WARMTH_PACK = "warmth_pack", _("温暖包")
    HEALTH_PACK = "health_pack", _("健康包")
    COTTON_VEST = "cotton_vest", _("棉马甲")
    GRAIN_OIL = "grain_oil", _("米面油")
    OTHER = "other", _("其他慰问品")


class GoodsStock(models.Model):
    """A union's stock of one kind of goods. It never goes below zero: a check constraint, and a row lock in the
    services so concurrent visits cannot both take the last unit."""

    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="goods_stocks")
    kind = models.CharField("物品", max_length=16, choices=GoodsKind.choices)
    quantity = models.IntegerField("库存", default=0)
    unit_value = money_field("单价")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "慰问品库存"
        constraints = [
            models.UniqueConstraint(fields=["union", "kind"], name="stock_one_per_union_kind"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_not_negative"),
        ]


class StockEntry(models.Model):
    stock = models.ForeignKey(GoodsStock, on_delete=models.PROTECT, related_name="entries")
    change = models.IntegerField("变动")
    visit = models.ForeignKey("Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


# --- visits -------------------------------------------------------------------------------------------------------
class Visit(models.Model):
    """走访慰问: a visit to one worker, or to a group at a site or enterprise (`group_name`, `people`)."""

    campaign = models.ForeignKey(WarmthCampaign, on_delete=models.PROTECT, related_name="visits")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="visits")
    union = models.ForeignKey("orgs.Union", verbose_name="慰问单位", on_delete=models.PROTECT,
                              related_name="care_visits")
    worker = models.ForeignKey("members.Worker", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="care_visits")
    group_name = models.CharField("慰问集体", max_length=120, blank=True)
    people = models.PositiveIntegerField("人数", default=1)
    visitors = models.CharField("走访人", max_length=200, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    visited_at = models.DateTimeField("走访时间")
    amount = money_field("慰问金")
    goods_value = money_field("物品价值")
    total = money_field("合计")
    note = models.CharField("备注", max_length=500, blank=True)
    receipt = models.FileField("签收单", upload_to="care/receipts/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "走访慰问"
        verbose_name_plural = "走访慰问"
        constraints = [
            models.CheckConstraint(condition=Q(worker__isnull=False) | ~Q(group_name=""), name="visit_has_whom"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(goods_value__gte=0) & Q(total__gt=0),
                                   name="visit_money_valid"),
            models.CheckConstraint(condition=Q(people__gte=1), name="visit_people_positive"),
        ]
        indexes = [models.Index(fields=["campaign", "union"], name="visit_campaign_union")]

    @property
    def whom(self) -> str:
        return self.group_name or (self.worker.name if self.worker_id else "")


class VisitGoods(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="goods")
    kind = models.CharField("物品", max_length=16, choices=GoodsKind.choices)
    quantity = models.PositiveIntegerField("数量")
    unit_value = money_field("单价")

    @property
    def value(self) -> Decimal:
        return self.unit_value * self.quantity


class VisitRecipient(models.Model):
    """One person on a group visit's list (imported from Excel); linked to the worker when the ID number matches."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="recipients")
    worker = models.ForeignKey("members.Worker", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="care_group_visits")
    name = models.CharField("姓名", max_length=60)
    id_number = EncryptedTextField("身份证号", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "worker"], name="recipient_once_per_visit")]


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="care/photos/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)


# --- hardship files (建档立卡) ------------------------------------------------------------------------------------
class LivingStandard(models.Model):
    """低保: the local minimum living standard, yuan per person and month, by region (district or city) and year."""

    region_code = models.CharField("行政区划代码", max_length=6)
    year = models.PositiveSmallIntegerField("年度")
    monthly_amount = money_field("低保标准(元/人·月)")

    class Meta:
        verbose_name = "最低生活保障标准"
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="living_standard_unique")]


class HardshipCategory(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    ACCIDENT = "accident", _("意外致困")


class HardshipCause(models.TextChoices):
    # Plain labels: services join them with str.join, which takes no lazy text; pages translate them with
    # views.CAUSE_LABELS.
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    ACCIDENT = "accident", "因意外"
    EDUCATION = "education", "因学"
    UNEMPLOYMENT = "unemployment", "因失业"
    DISASTER = "disaster", "因灾"


class FileStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待基层核实")
    CHECKED = "checked", _("待区总审批")
    APPROVED = "approved", _("在档")
    REJECTED = "rejected", _("未通过")
    CLOSED = "closed", _("已解困")


OPEN_FILE_STATUSES = (FileStatus.SUBMITTED, FileStatus.CHECKED, FileStatus.APPROVED)


class HardshipFile(models.Model):
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="hardship_files")
    union = models.ForeignKey("orgs.Union", verbose_name="建档单位", on_delete=models.PROTECT,
                              related_name="hardship_files")
    status = models.CharField("状态", max_length=16, choices=FileStatus.choices, default=FileStatus.SUBMITTED)
    category = models.CharField("困难类别", max_length=16, choices=HardshipCategory.choices)
    causes = models.JSONField("致困原因", default=list)
    household_size = models.PositiveSmallIntegerField("家庭人口")
    yearly_income = money_field("家庭年可支配收入")
    yearly_unavoidable_costs = money_field("刚性支出(年)")
    per_capita_monthly = money_field("家庭月人均收入")
    standard_monthly = money_field("当地低保标准")
    standard_year = models.PositiveSmallIntegerField("低保年度")
    situation = models.TextField("困难情况", blank=True)
    opened_by_worker = models.BooleanField("职工本人申请", default=False)
    flags = models.JSONField("重复帮扶提示", default=list, blank=True)
    flags_acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_on = models.DateField(null=True, blank=True)
    review_due_on = models.DateField("下次复核日期", null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    close_reason = models.CharField("解困原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "困难职工档案"
        verbose_name_plural = "困难职工档案"
        constraints = [
            models.CheckConstraint(condition=Q(household_size__gte=1), name="file_household_positive"),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(close_reason=""), name="file_closed_reason"),
        ]
        indexes = [models.Index(fields=["status", "review_due_on"], name="file_review_due")]

    def __str__(self) -> str:
        return f"{self.worker.name}的困难档案"


class HouseholdMember(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="household")
    name = models.CharField("姓名", max_length=60)
    relation = models.CharField("与职工关系", max_length=20)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    health = models.CharField("健康状况", max_length=60, blank=True)
    occupation = models.CharField("就业/就学", max_length=60, blank=True)


class HardshipReview(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField("复核日期")
    per_capita_monthly = money_field("复核时月人均收入")
    category = models.CharField("复核类别", max_length=16, choices=HardshipCategory.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class ReviewReminder(models.Model):
    """One reminder per file and due date (the beat task may run any number of times)."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "due_on"], name="reminder_once_per_due_date")]


class AssistanceKind(models.TextChoices):
    LIVING = "living", _("生活救助")
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("助学救助")
    EMERGENCY = "emergency", _("临时应急救助")


class Assistance(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="assistance")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="care_assistance")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="care_assistance")
    kind = models.CharField("帮扶类型", max_length=16, choices=AssistanceKind.choices)
    amount = money_field("金额")
    paid_on = models.DateField("发放日期")
    year = models.PositiveSmallIntegerField("年度")
    note = models.CharField("说明", max_length=300, blank=True)
    flags = models.JSONField("重复帮扶提示", default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "帮扶记录"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="assistance_amount_positive")]
        indexes = [models.Index(fields=["worker", "kind", "year"], name="assistance_worker_kind_year")]


# --- mutual aid (互助保障) ---------------------------------------------------------------------------------------
class AidEvent(models.TextChoices):
    ACCIDENT_DEATH = "accident_death", _("意外身故")
    ACCIDENT_DISABILITY = "accident_disability", _("意外伤残")
    ACCIDENT_MEDICAL = "accident_medical", _("意外医疗")
    HOSPITALIZATION = "hospitalization", _("住院津贴")
    SERIOUS_ILLNESS = "serious_illness", _("重大疾病")


class DocumentKind(models.TextChoices):
    # Plain labels: services join them with str.join, which takes no lazy text; pages translate them with
    # views.DOCUMENT_LABELS.
    ID_CARD = "id_card", "身份证"
    CLAIM_FORM = "claim_form", "理赔申请书"
    ACCIDENT_PROOF = "accident_proof", "事故证明"
    MEDICAL_RECORD = "medical_record", "病历"
    INVOICE = "invoice", "医疗费用发票"
    DISCHARGE_SUMMARY = "discharge_summary", "出院小结"
    DISABILITY_ASSESSMENT = "disability_assessment", "伤残鉴定"
    DEATH_CERTIFICATE = "death_certificate", "死亡证明"
    BANK_CARD = "bank_card", "银行卡"


class MutualAidPlan(models.Model):
    name = models.CharField("计划名称", max_length=120)
    union = models.ForeignKey("orgs.Union", verbose_name="承办单位", on_delete=models.PROTECT,
                              related_name="mutual_aid_plans")
    year = models.PositiveSmallIntegerField("年度")
    contribution = money_field("每人每年缴费")
    yearly_cap = money_field("每人年度给付上限")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "互助保障计划"
        constraints = [models.UniqueConstraint(fields=["union", "name", "year"], name="plan_unique_per_year")]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"


class PlanBenefit(models.Model):
    """What a plan pays for one event type: a fixed sum plus a share of the documented expenses, up to a cap."""

    plan = models.ForeignKey(MutualAidPlan, on_delete=models.CASCADE, related_name="benefits")
    event = models.CharField("事件类型", max_length=24, choices=AidEvent.choices)
    fixed_amount = money_field("定额给付")
    expense_ratio = models.DecimalField("费用给付比例", max_digits=4, decimal_places=2, default=Decimal("0"))
    deductible = money_field("免赔额")
    cap = money_field("单次上限")
    required_documents = models.JSONField("所需材料", default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "event"], name="benefit_one_per_event")]


class Enrollment(models.Model):
    plan = models.ForeignKey(MutualAidPlan, on_delete=models.PROTECT, related_name="enrollments")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="aid_enrollments")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="aid_enrollments")
    contribution = money_field("缴费")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "worker"], name="enrollment_once_per_plan")]


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待初审")
    FIRST_APPROVED = "first_approved", _("待复审")
    APPROVED = "approved", _("待支付")
    PAID = "paid", _("已支付")
    REJECTED = "rejected", _("未通过")


class Claim(models.Model):
    plan = models.ForeignKey(MutualAidPlan, on_delete=models.PROTECT, related_name="claims")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="claims")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="aid_claims")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="aid_claims")
    event = models.CharField("事件类型", max_length=24, choices=AidEvent.choices)
    event_on = models.DateField("出险日期")
    expenses = money_field("医疗等费用")
    description = models.TextField("经过", blank=True)
    status = models.CharField("状态", max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    payout = money_field("核定给付")
    first_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    second_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField("支付凭证号", max_length=60, blank=True)
    submitted_by_worker = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "互助保障理赔"
        indexes = [models.Index(fields=["status"], name="claim_status")]


class ClaimDocument(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料", max_length=24, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to="care/claims/%Y/%m/", blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
