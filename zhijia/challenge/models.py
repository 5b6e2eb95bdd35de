"""Online sports challenge (线上运动挑战赛): daily exercise and a daily quiz earn points (贡献值) by rules with daily
caps; every point is a row of an append-only ledger; people and unions are ranked; the top N get prizes.

The ledger (`PointEntry`) is the truth. `Participant.total_points` is the running sum of a participant's ledger rows,
kept in the same transaction as each insert, so the leaderboard is an index scan and "my rank" a count; the hand-
written SQL over the ledger gives the same answer (bench/challenge_leaderboard.py checks it). `ParticipantDay` is the
row locked to check a day's caps (one row per participant and date).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ChallengeStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Challenge(models.Model):
    """One challenge, organised by a union: members of that union's subtree may join."""

    union = models.ForeignKey("orgs.Union", verbose_name="主办工会", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("名称", max_length=120)
    description = models.TextField("说明", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN)
    daily_exercise_cap = models.PositiveIntegerField("每日运动贡献值上限", default=100)
    quiz_questions_per_day = models.PositiveSmallIntegerField("每日答题数", default=5)
    quiz_points_per_correct = models.PositiveSmallIntegerField("每题答对贡献值", default=2)
    quiz_daily_cap = models.PositiveIntegerField("每日答题贡献值上限", default=10)
    prize_count = models.PositiveIntegerField("奖品份数", default=500)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "线上运动挑战赛"
        verbose_name_plural = "线上运动挑战赛"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="challenge_ends_after_start"),
            models.CheckConstraint(condition=Q(prize_count__gte=0), name="challenge_prize_count_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class ExerciseKind(models.TextChoices):
    WALK = "walk", "健步走"
    RUN = "run", "跑步"
    CYCLE = "cycle", "骑行"
    FITNESS = "fitness", "健身操/力量"
    BALL = "ball", "球类"
    SKI = "ski", "冰雪运动"


class Unit(models.TextChoices):
    STEPS = "steps", "步"
    MINUTES = "minutes", "分钟"


class ExerciseRule(models.Model):
    """How one kind of exercise earns points in one challenge.

    `points_per_unit`: points per 1,000 steps (unit steps) or per minute (unit minutes), rounded down.
    `daily_cap`: most points this kind earns a participant in one day (the challenge's daily_exercise_cap bounds
    all kinds together). `max_per_day`: more than this in one day (summed over the day's entries) is impossible and
    refused (100,000 steps, 600 minutes). `max_speed`: an entry whose stated speed is above it is flagged for review
    (steps per minute for steps, km/h for minutes with a distance)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField("运动项目", max_length=12, choices=ExerciseKind.choices)
    unit = models.CharField("计量", max_length=8, choices=Unit.choices)
    points_per_unit = models.PositiveIntegerField("每千步/每分钟贡献值")
    daily_cap = models.PositiveIntegerField("本项目每日上限")
    max_per_day = models.PositiveIntegerField("每日可信上限")
    max_speed = models.DecimalField("速度上限", max_digits=6, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = "计分规则"
        constraints = [models.UniqueConstraint(fields=["challenge", "kind"], name="challenge_rule_one_per_kind")]

    def points_for(self, amount: int) -> int:
        if self.unit == Unit.STEPS:
            return amount * self.points_per_unit // 1000
        return amount * self.points_per_unit


class Participant(models.Model):
    """A member who joined a challenge. `union` is their union when they joined (the union leaderboard's unit).

    `total_points` = sum of their ledger rows, updated in the same transaction as every insert; `reached_at` = when
    the last non-zero ledger row was written (who reached an equal total first ranks first)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="participants")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    total_points = models.IntegerField("贡献值", default=0)
    reached_at = models.DateTimeField()
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "参赛者"
        constraints = [models.UniqueConstraint(fields=["challenge", "worker"], name="participant_once_per_challenge")]
        indexes = [
            # Top N is a range scan of this index; "my rank" counts the entries before mine on it.
            models.Index(F("challenge"), F("total_points").desc(), F("reached_at"), F("id"),
                         name="participant_leaderboard"),
            models.Index(fields=["challenge", "union"], name="participant_union"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.challenge}"


class ParticipantDay(models.Model):
    """A participant's day: the row locked while a day's caps are checked, its points so far, its quiz draw."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="days")
    date = models.DateField()
    exercise_points = models.PositiveIntegerField(default=0)
    quiz_points = models.PositiveIntegerField(default=0)
    quiz_question_ids = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "date"], name="participant_day_once")]


class EntryStatus(models.TextChoices):
    COUNTED = "counted", "已计分"
    FLAGGED = "flagged", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核不通过"


class ExerciseEntry(models.Model):
    """One exercise a participant logged for a day. A flagged entry earns nothing until a reviewer approves it."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="entries")
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="+")
    date = models.DateField("运动日期")
    kind = models.CharField("运动项目", max_length=12, choices=ExerciseKind.choices)
    steps = models.PositiveIntegerField("步数", null=True, blank=True)
    minutes = models.PositiveIntegerField("分钟", null=True, blank=True)
    distance_km = models.DecimalField("距离（公里）", max_digits=6, decimal_places=2, null=True, blank=True)
    photo = models.FileField(upload_to="challenge/%Y/%m/", null=True, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=EntryStatus.choices, default=EntryStatus.COUNTED)
    flag_reasons = models.JSONField("存疑原因", default=list, blank=True)
    points_claimed = models.PositiveIntegerField("按规则计算", default=0)
    points_awarded = models.PositiveIntegerField("实得贡献值", default=0)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "运动打卡"
        constraints = [
            models.CheckConstraint(condition=Q(steps__isnull=False, minutes__isnull=True)
                                   | Q(steps__isnull=True, minutes__isnull=False), name="entry_steps_or_minutes"),
            models.CheckConstraint(condition=Q(points_awarded__lte=F("points_claimed")),
                                   name="entry_awarded_at_most_claimed"),
        ]
        indexes = [models.Index(fields=["challenge", "status"], name="entry_challenge_status"),
                   models.Index(fields=["participant", "date"], name="entry_participant_date")]

    @property
    def amount(self) -> int:
        return self.steps if self.steps is not None else self.minutes or 0


class PhotoFingerprint(models.Model):
    """The first entry that used a photo (by SHA-256). A later entry with the same photo, by anyone, is flagged;
    the unique constraint decides who was first even when two uploads race."""

    sha256 = models.CharField(max_length=64, unique=True)
    first_entry = models.ForeignKey(ExerciseEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class QuizQuestion(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField("题目", max_length=300)
    choices = models.JSONField("选项")
    answer = models.PositiveSmallIntegerField("正确选项（从0起）")
    explanation = models.CharField("解析", max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "题库题目"


class QuizAnswer(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="answers")
    date = models.DateField()
    question = models.ForeignKey(QuizQuestion, on_delete=models.PROTECT, related_name="+")
    choice = models.PositiveSmallIntegerField()
    correct = models.BooleanField()
    points_awarded = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "date", "question"],
                                               name="quiz_answer_once_per_day")]


class PointSource(models.TextChoices):
    EXERCISE = "exercise", "运动"
    QUIZ = "quiz", "答题"
    REVERSAL = "reversal", "冲正"


class PointEntry(models.Model):
    """The ledger: append-only (save() refuses an update, delete() refuses; on PostgreSQL a trigger refuses UPDATE
    and DELETE). A correction is a new row with the opposite points and `reference` "reversal:<id>"; `reference`
    is unique, so the same exercise, answer or reversal is never written twice."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="ledger")
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    source = models.CharField(max_length=10, choices=PointSource.choices)
    points = models.IntegerField()
    reference = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "贡献值流水"
        indexes = [models.Index(fields=["participant", "date"], name="ledger_participant_date"),
                   models.Index(fields=["challenge", "participant"], name="ledger_challenge_participant")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("point entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("point entries are append-only")


class Prize(models.Model):
    """One of the top N at close. `place` is 1..N (ties broken by who reached the total first, then by who
    joined first); `rank` is the shared rank (equal totals share it)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="prizes")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    place = models.PositiveIntegerField()
    rank = models.PositiveIntegerField()
    points = models.IntegerField()
    awarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "奖品"
        constraints = [models.UniqueConstraint(fields=["challenge", "participant"], name="prize_once_per_person"),
                       models.UniqueConstraint(fields=["challenge", "place"], name="prize_place_once")]
