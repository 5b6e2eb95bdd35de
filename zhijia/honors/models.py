"""Selections (评选) and honours (荣誉).

A Selection runs through an ordered list of stages (a configurable subset of STAGE_ORDER, always starting with
nomination and ending with the final list). Candidates are nominated by unions inside the selection's scope (or
nominate themselves and are endorsed by their union), reviewed against a checklist, voted on by members in good
standing, scored by experts per weighted criterion, shortlisted, published for objections (公示) and finally
listed; the final list becomes Honour rows against the workers.

Votes are a ledger: one row per vote, never deleted. A vote that trips a fraud signal is QUARANTINED (kept, not
counted) until a reviewer accepts or rejects it. The per-member per-day limit is held by VoteDayCounter: one row per
(selection, worker, day) whose `used` may never exceed the `day_limit` copied into it (a check constraint), raised
by a single conditional upsert (see services.vote_cast).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_noop


class Stage(models.TextChoices):
    NOMINATION = "nomination", gettext_noop("推荐提名")
    MATERIAL_REVIEW = "material_review", gettext_noop("资料审核")
    PUBLIC_VOTE = "public_vote", gettext_noop("网络投票")
    EXPERT_REVIEW = "expert_review", gettext_noop("专家评审")
    SHORTLIST = "shortlist", gettext_noop("确定入选名单")
    PUBLIC_NOTICE = "public_notice", gettext_noop("公示")
    FINAL = "final", gettext_noop("正式发布")


STAGE_ORDER = [s.value for s in Stage]


class Selection(models.Model):
    union = models.ForeignKey("orgs.Union", verbose_name="主办工会", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("评选名称", max_length=120)
    description = models.TextField("说明", blank=True)
    honour_kind = models.CharField("授予荣誉类别", max_length=24, default="title")
    honour_title = models.CharField("荣誉称号", max_length=80, blank=True)
    honour_level = models.CharField("荣誉级别", max_length=16, default="municipal")
    year = models.PositiveSmallIntegerField("年度")
    stages = models.JSONField("环节", default=list)
    stage = models.CharField("当前环节", max_length=20, choices=Stage.choices, default=Stage.NOMINATION)
    # Stage dates (each optional except the vote window when the selection has a public vote).
    nomination_ends_at = models.DateTimeField("推荐截止", null=True, blank=True)
    vote_starts_at = models.DateTimeField("投票开始", null=True, blank=True)
    vote_ends_at = models.DateTimeField("投票结束", null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField("公示天数", default=5)
    notice_starts_at = models.DateTimeField("公示开始", null=True, blank=True)
    notice_ends_at = models.DateTimeField("公示结束", null=True, blank=True)
    votes_per_day = models.PositiveSmallIntegerField("每人每日票数", default=1)
    checklist = models.JSONField("资料审核清单", default=list)
    shortlist_size = models.PositiveIntegerField("入选人数", default=100)
    top_size = models.PositiveIntegerField("十佳人数", default=10)
    vote_weight = models.DecimalField("投票权重", max_digits=4, decimal_places=3, default=Decimal("0.3"))
    expert_weight = models.DecimalField("专家权重", max_digits=4, decimal_places=3, default=Decimal("0.7"))
    # Fraud signals (see services._fraud_signals); 0 turns a signal off.
    network_burst_limit = models.PositiveIntegerField("同一网段每分钟票数上限", default=30)
    device_member_limit = models.PositiveIntegerField("同一设备每日会员数上限", default=3)
    new_account_hours = models.PositiveIntegerField("新注册账号观察期（小时）", default=72)
    lockstep_limit = models.PositiveIntegerField("同一候选人同一秒票数上限", default=10)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评选"
        verbose_name_plural = "评选"
        constraints = [
            models.CheckConstraint(condition=Q(votes_per_day__gte=1), name="selection_votes_per_day_positive"),
            models.CheckConstraint(condition=Q(vote_weight__gte=0, expert_weight__gte=0, vote_weight__lte=1,
                                               expert_weight__lte=1), name="selection_weights_in_range"),
            models.CheckConstraint(condition=Q(vote_ends_at__isnull=True) | Q(vote_starts_at__isnull=True)
                                   | Q(vote_ends_at__gt=F("vote_starts_at")), name="selection_vote_window_order"),
            models.CheckConstraint(condition=Q(top_size__lte=F("shortlist_size")), name="selection_top_in_shortlist"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stage_index(self) -> int:
        return self.stages.index(self.stage)

    @property
    def next_stage(self) -> str | None:
        i = self.stage_index
        return self.stages[i + 1] if i + 1 < len(self.stages) else None

    def stage_label(self, value: str) -> str:
        return Stage(value).label

    @property
    def stage_labels(self) -> list[tuple[str, str]]:
        return [(s, Stage(s).label) for s in self.stages]


class CandidateStatus(models.TextChoices):
    PENDING_ENDORSEMENT = "pending_endorsement", gettext_noop("待工会推荐")
    NOMINATED = "nominated", gettext_noop("已推荐")
    PASSED = "passed", gettext_noop("审核通过")
    REJECTED = "rejected", gettext_noop("审核未通过")
    DISQUALIFIED = "disqualified", gettext_noop("取消资格")


class Outcome(models.TextChoices):
    NONE = "", "—"
    NAMED = "named", gettext_noop("入选")
    TOP = "top", gettext_noop("十佳")


class Candidate(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="candidates")
    number = models.PositiveIntegerField("编号")
    name = models.CharField("姓名", max_length=60)
    union = models.ForeignKey("orgs.Union", verbose_name="推荐工会", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey("members.Worker", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="candidacies")
    employer = models.CharField("工作单位", max_length=120, blank=True)
    story = models.TextField("事迹")
    photo_url = models.URLField("照片", blank=True)
    self_nominated = models.BooleanField("本人自荐", default=False)
    status = models.CharField("状态", max_length=24, choices=CandidateStatus.choices,
                              default=CandidateStatus.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    nominated_at = models.DateTimeField()
    endorsed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    endorsed_at = models.DateTimeField(null=True, blank=True)
    # Written when the shortlist is drawn: the ranking at that moment, kept for the notice and the final list.
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    final_score = models.DecimalField("综合得分", max_digits=7, decimal_places=3, null=True, blank=True)
    outcome = models.CharField("结果", max_length=8, choices=Outcome.choices, default=Outcome.NONE, blank=True)

    class Meta:
        verbose_name = "候选人"
        verbose_name_plural = "候选人"
        constraints = [
            models.UniqueConstraint(fields=["selection", "number"], name="candidate_number_unique"),
            models.UniqueConstraint(fields=["selection", "worker"], condition=Q(worker__isnull=False),
                                    name="candidate_worker_once_per_selection"),
        ]
        indexes = [models.Index(fields=["selection", "status"], name="candidate_selection_status")]

    def __str__(self) -> str:
        return f"{self.number:03d} {self.name}"


class MaterialReview(models.Model):
    """The review of a candidate's materials against the selection's checklist: each item met or not, a decision,
    and the reason (required when not passed)."""

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checks = models.JSONField("清单", default=dict)
    passed = models.BooleanField("通过")
    reason = models.CharField("理由", max_length=300, blank=True)
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "资料审核"
        constraints = [models.CheckConstraint(condition=Q(passed=True) | ~Q(reason=""),
                                              name="review_reject_has_reason")]


class VoteStatus(models.TextChoices):
    COUNTED = "counted", gettext_noop("有效")
    QUARANTINED = "quarantined", gettext_noop("待复核")
    REJECTED = "rejected", gettext_noop("复核无效")


class Vote(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="votes")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="votes")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="+")
    day = models.DateField("投票日")
    cast_at = models.DateTimeField()
    status = models.CharField("状态", max_length=12, choices=VoteStatus.choices, default=VoteStatus.COUNTED)
    signals = models.JSONField("风险信号", default=list, blank=True)
    network = models.CharField("网段", max_length=48, blank=True)
    device_id = models.CharField("设备标识", max_length=64, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("复核说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "投票"
        verbose_name_plural = "投票"
        indexes = [
            models.Index(fields=["candidate", "status"], name="vote_candidate_status"),
            models.Index(fields=["selection", "status"], name="vote_selection_status"),
            models.Index(fields=["selection", "network", "cast_at"], name="vote_network_time"),
            models.Index(fields=["selection", "device_id", "day"], name="vote_device_day"),
            models.Index(fields=["selection", "worker", "day"], name="vote_worker_day"),
        ]


class VoteDayCounter(models.Model):
    """How many votes a member has cast in a selection on one day. `day_limit` is the selection's votes_per_day at
    the first vote of the day; the database refuses `used` above it."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey("members.Worker", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    used = models.PositiveSmallIntegerField(default=0)
    day_limit = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["selection", "worker", "day"], name="vote_counter_one_per_day"),
            models.CheckConstraint(condition=Q(used__lte=F("day_limit")), name="vote_counter_within_limit"),
        ]


class Criterion(models.Model):
    """One criterion of the expert review, with its weight and the range of scores (0 to max_score)."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField("评审指标", max_length=40)
    weight = models.DecimalField("权重", max_digits=4, decimal_places=3)
    max_score = models.DecimalField("满分", max_digits=6, decimal_places=2, default=Decimal("100"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "name"], name="criterion_name_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Expert(models.Model):
    """A member of the selection's expert panel (a staff or reviewer account)."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="experts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["selection", "user"], name="expert_once_per_selection")]


class Conflict(models.Model):
    """An expert's declared conflict of interest with a candidate: the expert is recused from scoring them."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField("回避理由", max_length=200)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["expert", "candidate"], name="conflict_once")]


class Score(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="scores")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField("分数", max_digits=6, decimal_places=2)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "candidate", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(condition=Q(value__gte=0), name="score_not_negative"),
        ]


class ObjectionStatus(models.TextChoices):
    OPEN = "open", gettext_noop("待处理")
    UPHELD = "upheld", gettext_noop("成立（取消入选）")
    DISMISSED = "dismissed", gettext_noop("不成立")


class Objection(models.Model):
    """An objection raised during the public notice (公示) against a listed candidate, and how it was resolved."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField("异议内容")
    contact = models.CharField("联系方式", max_length=60, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField("状态", max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    resolution = models.CharField("处理意见", max_length=300, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        constraints = [models.CheckConstraint(condition=Q(status="open") | ~Q(resolution=""),
                                              name="objection_resolution_written")]


class HonourKind(models.TextChoices):
    MODEL_WORKER = "model_worker", gettext_noop("劳动模范")
    ADVANCED_WORKER = "advanced_worker", gettext_noop("先进工作者")
    TITLE = "title", gettext_noop("荣誉称号")


class HonourLevel(models.TextChoices):
    NATIONAL = "national", gettext_noop("全国")
    MUNICIPAL = "municipal", gettext_noop("市级")
    DISTRICT = "district", gettext_noop("区级")


class Honour(models.Model):
    """An honour held by a worker: a model worker (劳模), an advanced worker, or a title such as 最美出租汽车司机."""

    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="honours")
    kind = models.CharField("类别", max_length=20, choices=HonourKind.choices)
    title = models.CharField("称号", max_length=80)
    level = models.CharField("级别", max_length=12, choices=HonourLevel.choices)
    year = models.PositiveSmallIntegerField("年度")
    union = models.ForeignKey("orgs.Union", verbose_name="授予/登记工会", on_delete=models.PROTECT, related_name="+")
    selection = models.ForeignKey(Selection, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="honours")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "荣誉"
        verbose_name_plural = "荣誉"
        constraints = [models.UniqueConstraint(fields=["worker", "kind", "title", "year"], name="honour_once")]
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.year}年{self.get_level_display()}{self.title}"
