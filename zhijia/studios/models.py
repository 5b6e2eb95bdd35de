"""Innovation studios (创新工作室): district- and municipal-level studios led by a (often model) worker, their members,
support funds (助推资金: grants and the spending against each), results (成果: patents, conversions, awards) and the
annual review (年度考核) that can downgrade or revoke a studio.

Money is Decimal yuan with two places. A grant can never be overspent: `spent` is kept by the spending service under
a row lock and the database refuses `spent > amount` whatever code writes it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class StudioLevel(models.TextChoices):
    DISTRICT = "district", _("区级")
    MUNICIPAL = "municipal", _("市级")


class StudioStatus(models.TextChoices):
    ACTIVE = "active", _("运行中")
    PROBATION = "probation", _("限期整改")
    REVOKED = "revoked", _("已撤销")


class StudioField(models.TextChoices):
    """The trade or field a studio works in (领域)."""

    MANUFACTURING = "manufacturing", _("先进制造")
    CONSTRUCTION = "construction", _("建筑工程")
    ENERGY = "energy", _("能源电力")
    TRANSPORT = "transport", _("交通物流")
    IT = "it", _("信息技术")
    HEALTH = "health", _("医药健康")
    ENVIRONMENT = "environment", _("节能环保")
    SERVICES = "services", _("生活服务")
    AGRICULTURE = "agriculture", _("现代农业")
    OTHER = "other", _("其他")


class InnovationStudio(models.Model):
    name = models.CharField("名称", max_length=120)
    level = models.CharField("级别", max_length=12, choices=StudioLevel.choices)
    # The host union (依托单位工会): the studio lies in its subtree, so its staff and their ancestors see it.
    union = models.ForeignKey("orgs.Union", verbose_name="依托工会", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField("所在区行政区划代码", max_length=6, db_index=True)
    address = models.CharField("地址", max_length=200)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    leader = models.ForeignKey("members.Worker", verbose_name="领衔人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    leader_name = models.CharField("领衔人姓名", max_length=60)
    # Free text on purpose (北京市劳动模范, 北京大工匠, 全国五一劳动奖章获得者): honours live in their own app.
    leader_title = models.CharField("领衔人称号", max_length=80, blank=True)
    field = models.CharField("领域", max_length=20, choices=StudioField.choices, default=StudioField.OTHER)
    status = models.CharField("状态", max_length=12, choices=StudioStatus.choices, default=StudioStatus.ACTIVE)
    recognised_year = models.PositiveSmallIntegerField("命名年度")
    description = models.TextField("简介", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "创新工作室"
        verbose_name_plural = "创新工作室"
        constraints = [
            models.UniqueConstraint(fields=["union", "name"], name="studio_unique_name_per_union"),
            models.CheckConstraint(condition=Q(level__in=["district", "municipal"]), name="studio_level_valid"),
            models.CheckConstraint(condition=Q(status__in=["active", "probation", "revoked"]),
                                   name="studio_status_valid"),
            models.CheckConstraint(condition=Q(recognised_year__gte=1990, recognised_year__lte=2100),
                                   name="studio_recognised_year_range"),
            models.CheckConstraint(condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                                   name="studio_point_valid"),
        ]
        indexes = [models.Index(fields=["region_code", "level"], name="studio_region_level")]

    def __str__(self) -> str:
        return self.name

    @property
    def district_name(self) -> str:
        from zhijia.studios.selectors import district_name

        return district_name(self.region_code)


class MemberRole(models.TextChoices):
    LEADER = "leader", _("领衔人")
    CORE = "core", _("核心成员")
    MEMBER = "member", _("成员")
    APPRENTICE = "apprentice", _("徒弟")


class StudioMember(models.Model):
    studio = models.ForeignKey(InnovationStudio, on_delete=models.CASCADE, related_name="members")
    worker = models.ForeignKey("members.Worker", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_on = models.DateField("加入日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作室成员"
        constraints = [
            models.UniqueConstraint(fields=["studio", "worker"], name="studio_member_once"),
            models.UniqueConstraint(fields=["studio"], condition=Q(role="leader"), name="studio_one_leader_member"),
        ]


class SupportGrant(models.Model):
    """One grant of support funds (助推资金) to a studio, by a union at or above the studio's host union."""

    studio = models.ForeignKey(InnovationStudio, on_delete=models.PROTECT, related_name="grants")
    granting_union = models.ForeignKey("orgs.Union", verbose_name="拨付工会", on_delete=models.PROTECT,
                                       related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    # Sum of the spending entries, kept under the grant's row lock (the database refuses spent > amount).
    spent = models.DecimalField("已使用（元）", max_digits=14, decimal_places=2, default=0)
    purpose = models.CharField("用途", max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "助推资金"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(condition=Q(spent__gte=0) & Q(spent__lte=F("amount")), name="grant_not_overspent"),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="grant_year_range"),
        ]

    @property
    def balance(self):
        return self.amount - self.spent


class SpendingEntry(models.Model):
    """Money spent from a grant (资金使用): append-only; a correction is a new grant, never an edit."""

    grant = models.ForeignKey(SupportGrant, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    spent_on = models.DateField("使用日期")
    purpose = models.CharField("用途", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "资金使用"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spending_amount_positive")]


class PatentKind(models.TextChoices):
    INVENTION = "invention", _("发明专利")
    UTILITY_MODEL = "utility_model", _("实用新型")
    DESIGN = "design", _("外观设计")


class PatentStatus(models.TextChoices):
    APPLIED = "applied", _("已受理")
    GRANTED = "granted", _("已授权")


class Patent(models.Model):
    studio = models.ForeignKey(InnovationStudio, on_delete=models.PROTECT, related_name="patents")
    kind = models.CharField("类型", max_length=16, choices=PatentKind.choices)
    # The application number in its standard form: 12 digits, a dot, the check character (202310123456.7).
    number = models.CharField("专利号", max_length=16, unique=True)
    title = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=10, choices=PatentStatus.choices, default=PatentStatus.GRANTED)
    year = models.PositiveSmallIntegerField("年度")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "专利"
        constraints = [models.CheckConstraint(condition=Q(kind__in=["invention", "utility_model", "design"]),
                                              name="patent_kind_valid")]

    @property
    def display_number(self) -> str:
        return f"ZL{self.number}" if self.status == PatentStatus.GRANTED else self.number


class Conversion(models.Model):
    """A result put to use (成果转化): sold, licensed or applied by a partner, with its value."""

    studio = models.ForeignKey(InnovationStudio, on_delete=models.PROTECT, related_name="conversions")
    title = models.CharField("成果名称", max_length=200)
    partner = models.CharField("合作方", max_length=120)
    value = models.DecimalField("转化金额（元）", max_digits=14, decimal_places=2)
    year = models.PositiveSmallIntegerField("年度")
    patent = models.ForeignKey(Patent, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "成果转化"
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="conversion_value_not_negative")]


class AwardLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省部级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区级")
    ENTERPRISE = "enterprise", _("企业级")


class Award(models.Model):
    studio = models.ForeignKey(InnovationStudio, on_delete=models.PROTECT, related_name="awards")
    title = models.CharField("奖项", max_length=200)
    level = models.CharField("级别", max_length=12, choices=AwardLevel.choices)
    awarded_by = models.CharField("颁发单位", max_length=120, blank=True)
    year = models.PositiveSmallIntegerField("年度")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "获奖"


class ReviewOutcome(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ReviewAction(models.TextChoices):
    NONE = "none", _("无")
    PROBATION = "probation", _("限期整改")
    DOWNGRADE = "downgrade", _("降级")
    REVOKE = "revoke", _("撤销命名")


class AnnualReview(models.Model):
    """The annual review (年度考核) of one studio for one year: the checklist scores, the total, the outcome."""

    studio = models.ForeignKey(InnovationStudio, on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveSmallIntegerField("年度")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    scores = models.JSONField("考核得分", default=dict)
    total = models.PositiveSmallIntegerField("总分")
    outcome = models.CharField("结果", max_length=10, choices=ReviewOutcome.choices)
    action = models.CharField("处理", max_length=10, choices=ReviewAction.choices, default=ReviewAction.NONE)
    reason = models.CharField("理由", max_length=500)
    level_before = models.CharField("考核前级别", max_length=12, choices=StudioLevel.choices)
    status_before = models.CharField("考核前状态", max_length=12, choices=StudioStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "年度考核"
        constraints = [
            models.UniqueConstraint(fields=["studio", "year"], name="review_once_per_year"),
            models.CheckConstraint(condition=Q(total__lte=100), name="review_total_at_most_100"),
            # Only a failed review carries a downgrade or a revocation.
            models.CheckConstraint(condition=Q(outcome="fail") | Q(action="none"), name="review_action_only_on_fail"),
        ]
