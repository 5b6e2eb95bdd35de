"""Skill contests (技能大赛 / 劳动竞赛): a union organises a contest for one trade; members register (an Entry);
rounds 初赛, 复赛, 决赛 follow in order, each with an online theory exam drawn from the contest's question bank and
practice scores entered by judges, weighted into a total; a rule advances the best to the next round; the final
round's results give certificates with a verifiable number.

Who is in a round: an Entry whose `reached_order` is at least the round's `order` (registration puts everyone in
round 1; advancing a round moves the advanced entrants' `reached_order` to the next order).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ContestKind(models.TextChoices):
    SKILL = "skill", "技能大赛"
    LABOUR = "labour", "劳动竞赛"


class Contest(models.Model):
    union = models.ForeignKey("orgs.Union", verbose_name="主办工会", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=10, choices=ContestKind.choices, default=ContestKind.SKILL)
    trade = models.CharField("工种", max_length=60)
    # Blank: any member of the organiser's subtree may enter; else only workers of this occupation.
    occupation = models.CharField("限定职业", max_length=24, blank=True)
    registration_opens_at = models.DateTimeField("报名开始")
    registration_closes_at = models.DateTimeField("报名截止")
    capacity = models.PositiveIntegerField("名额上限", null=True, blank=True)
    award_places = models.PositiveSmallIntegerField("获奖名次", default=5)
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "技能大赛"
        verbose_name_plural = "技能大赛"
        constraints = [
            models.CheckConstraint(condition=Q(registration_closes_at__gt=F("registration_opens_at")),
                                   name="contest_registration_closes_after_opening"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                                   name="contest_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    PRELIMINARY = "preliminary", "初赛"
    SEMIFINAL = "semifinal", "复赛"
    FINAL = "final", "决赛"


STAGE_ORDER = {Stage.PRELIMINARY: 1, Stage.SEMIFINAL: 2, Stage.FINAL: 3}


class AdvanceRule(models.TextChoices):
    TOP_N = "top_n", "前N名"
    TOP_PERCENT = "top_percent", "前X%"
    MIN_SCORE = "min_score", "达到分数线"


class RoundStatus(models.TextChoices):
    OPEN = "open", "进行中"
    PUBLISHED = "published", "已公布成绩"
    ADVANCED = "advanced", "已晋级"


class Round(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    stage = models.CharField("赛程", max_length=12, choices=Stage.choices)
    order = models.PositiveSmallIntegerField("顺序")
    # Weights in percent of the total; they add up to 100 (a check constraint).
    theory_weight = models.PositiveSmallIntegerField("理论权重%", default=40)
    practice_weight = models.PositiveSmallIntegerField("实操权重%", default=60)
    practice_max = models.DecimalField("实操满分", max_digits=6, decimal_places=2, default=100)
    advance_rule = models.CharField("晋级规则", max_length=12, choices=AdvanceRule.choices, default=AdvanceRule.TOP_N)
    advance_value = models.DecimalField("晋级规则数值", max_digits=8, decimal_places=2, null=True, blank=True)
    exam_opens_at = models.DateTimeField("理论考试开始", null=True, blank=True)
    exam_closes_at = models.DateTimeField("理论考试截止", null=True, blank=True)
    exam_minutes = models.PositiveSmallIntegerField("答题时长（分钟）", default=30)
    # {category: number of questions}: what each entrant's paper is drawn from.
    paper_spec = models.JSONField("组卷规则", default=dict, blank=True)
    # The seed every paper of this round is drawn from (with the entry's id): anyone can redraw a paper.
    paper_seed = models.CharField("组卷种子", max_length=32)
    status = models.CharField("状态", max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    published_at = models.DateTimeField(null=True, blank=True)
    advanced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "赛程"
        ordering = ["contest_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "stage"], name="round_one_per_stage"),
            models.UniqueConstraint(fields=["contest", "order"], name="round_one_per_order"),
            models.CheckConstraint(condition=Q(theory_weight__lte=100, practice_weight__lte=100)
                                   & Q(theory_weight=100 - F("practice_weight")), name="round_weights_add_to_100"),
            models.CheckConstraint(condition=Q(practice_max__gt=0), name="round_practice_max_positive"),
            models.CheckConstraint(condition=Q(exam_minutes__gte=1), name="round_exam_minutes_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.get_stage_display()}"

    @property
    def is_final(self) -> bool:
        return self.stage == Stage.FINAL


class Entry(models.Model):
    """A registration (报名) of one worker in one contest; `number` is the entrant's number (参赛编号)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="contest_entries")
    # The union of the membership at registration: the entrant's team in the rankings.
    union = models.ForeignKey("orgs.Union", verbose_name="所在工会", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("参赛编号")
    reached_order = models.PositiveSmallIntegerField("已进入赛程", default=1)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        constraints = [
            models.UniqueConstraint(fields=["contest", "worker"], name="entry_once_per_contest"),
            models.UniqueConstraint(fields=["contest", "number"], name="entry_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} #{self.number:05d}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"


class Question(models.Model):
    """One question of a contest's bank. Options are lettered A, B, C...; `answer` is the sorted correct letters
    ("B", "ACD"); a true/false question has the options 正确 and 错误."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="questions")
    category = models.CharField("题目分类", max_length=40)
    kind = models.CharField("题型", max_length=12, choices=QuestionKind.choices)
    text = models.TextField("题干")
    options = models.JSONField("选项", default=list)
    answer = models.CharField("答案", max_length=10)
    points = models.PositiveSmallIntegerField("分值", default=1)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "试题"
        constraints = [models.CheckConstraint(condition=Q(points__gte=1), name="question_points_positive")]

    def __str__(self) -> str:
        return self.text[:30]


class ExamAttempt(models.Model):
    """One entrant's theory exam in one round: the paper drawn for them, their answers, the mark."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="attempts")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attempts")
    seed = models.CharField(max_length=64)
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    max_points = models.PositiveIntegerField(default=0)
    # 0-100: points over the paper's points.
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "理论考试答卷"
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="attempt_once_per_round"),
            models.CheckConstraint(condition=Q(deadline__gt=F("started_at")), name="attempt_deadline_after_start"),
        ]


class ContestJudge(models.Model):
    """A judge (裁判/评委) assigned to score practice in a contest (all its rounds)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "裁判"
        constraints = [models.UniqueConstraint(fields=["contest", "user"], name="judge_once_per_contest")]


class PracticeScore(models.Model):
    """One judge's practice score (实操成绩) of one entrant in one round. A second score by the same judge is a
    correction: it needs a reason and is written to the audit log with the old value."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="practice_scores")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="practice_scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("实操成绩", max_digits=6, decimal_places=2)
    corrections = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField("更正原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "实操成绩"
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "judge"], name="practice_score_once_per_judge"),
            models.CheckConstraint(condition=Q(score__gte=0), name="practice_score_not_negative"),
        ]


class RoundResult(models.Model):
    """An entrant's published result in a round: the weighted total and the rank (standard competition ranking:
    equal totals share a rank, the next rank skips, 1, 2, 2, 4)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="results")
    theory_score = models.DecimalField(max_digits=6, decimal_places=2)
    practice_score = models.DecimalField(max_digits=6, decimal_places=2)
    total = models.DecimalField(max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField()
    absent = models.BooleanField(default=False)
    advanced = models.BooleanField(default=False)

    class Meta:
        verbose_name = "赛程成绩"
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="result_once_per_round")]
        indexes = [models.Index(fields=["round", "rank"], name="result_round_rank")]


class Certificate(models.Model):
    """A certificate (证书) of the final round: `number` is printed on it and can be verified by anyone."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="certificate")
    number = models.CharField("证书编号", max_length=32, unique=True)
    rank = models.PositiveIntegerField()
    award = models.CharField("奖项", max_length=40)
    issued_on = models.DateField()

    class Meta:
        verbose_name = "证书"
