"""The union tree (工会组织): one `Union` per node, from the national federation down to a community union.

The tree is a materialised path: `path` holds the ids from the root down to the node, each followed by "/"
("1/5/23/"). A subtree is one prefix match on an indexed column and the ancestors are parsed from the path, so both
stay one query at any depth and size. `union_move` (services) rewrites the paths of a moved subtree in one UPDATE.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop
from pypinyin import Style, lazy_pinyin


def name_pinyin(name: str) -> str:
    """'房山区总工会' -> 'fangshanquzonggonghui fsqzgh' (for search by pinyin or initials)."""
    full = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return f"{''.join(full)} {''.join(initials)}".lower()[:255]


class Level(models.TextChoices):
    NATIONAL = "national", gettext_noop("全国")
    PROVINCIAL = "provincial", gettext_noop("省级")
    MUNICIPAL = "municipal", gettext_noop("市级")
    DISTRICT = "district", gettext_noop("区县")
    STREET = "street", gettext_noop("街道")
    TOWNSHIP = "township", gettext_noop("乡镇")
    COMMUNITY = "community", gettext_noop("社区(村)")
    GRASSROOTS = "grassroots", gettext_noop("基层")


class Kind(models.TextChoices):
    FEDERATION = "federation", gettext_noop("总工会")
    PARK = "park", gettext_noop("园区工会")
    REGIONAL_INDUSTRY = "regional_industry", gettext_noop("区域(行业)工会")
    COMMUNITY = "community", gettext_noop("社区(村)工会")
    ENTERPRISE = "enterprise", gettext_noop("企业工会")
    INDUSTRIAL = "industrial", gettext_noop("产业工会")


class Occupation(models.TextChoices):
    """What a worker does; the new-form (gig) kinds first. Used by members and by regional-industry unions."""

    COURIER = "courier", gettext_noop("快递员")
    DELIVERY_RIDER = "delivery_rider", gettext_noop("外卖配送员")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", gettext_noop("网约车司机")
    TRUCK_DRIVER = "truck_driver", gettext_noop("货车司机")
    OTHER = "other", gettext_noop("其他")


GIG_OCCUPATIONS = (
    Occupation.COURIER,
    Occupation.DELIVERY_RIDER,
    Occupation.RIDE_HAILING_DRIVER,
    Occupation.TRUCK_DRIVER,
)

# The 小三级 (catch_all_tiers): the kinds and levels that take in workers who have no enterprise union.
CATCH_ALL_KINDS = (Kind.REGIONAL_INDUSTRY, Kind.PARK, Kind.COMMUNITY)


class Union(models.Model):
    name = models.CharField("名称", max_length=120)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    region_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    # For a regional-industry union: the trade it organises (couriers, riders, drivers).
    occupation = models.CharField("行业", max_length=24, choices=Occupation.choices, blank=True)
    # For an enterprise union: its employer's 统一社会信用代码, so a worker's employer finds its union.
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    parent = models.ForeignKey("self", verbose_name="上级工会", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    # Full pinyin and initials of the name ("fangshanquzonggonghui fsqzgh"), so staff find a union by typing
    # either; kept in step by save().
    pinyin = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    chair = models.CharField("工会主席", max_length=60, blank=True)
    contact_name = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    founded_on = models.DateField("建会日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "工会"
        verbose_name_plural = "工会"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="union_unique_name_among_siblings"),
            # One federation per region and level: one 房山区总工会, one 城关街道总工会.
            models.UniqueConstraint(fields=["region_code", "level"], condition=Q(kind="federation"),
                                    name="union_one_federation_per_region_level"),
        ]
        indexes = [
            # Prefix matches (path LIKE '1/5/%') use this on PostgreSQL whatever the collation.
            models.Index(fields=["path"], name="union_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "name"], name="union_parent_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pinyin = name_pinyin(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "pinyin"}
        super().save(*args, **kwargs)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read off the path (no query)."""
        return [int(part) for part in self.path.split("/") if part][:-1]

    def contains(self, other: "Union") -> bool:
        """True when `other` is this node or lies below it."""
        return other.path.startswith(self.path)


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", gettext_noop("主席")
    VICE_CHAIR = "vice_chair", gettext_noop("副主席")
    MEMBER = "member", gettext_noop("委员")


class Founding(models.Model):
    """建会: a union's founding, with its first committee and that committee's term."""

    union = models.OneToOneField(Union, on_delete=models.CASCADE, related_name="founding")
    founded_on = models.DateField("建会日期")
    term_years = models.PositiveSmallIntegerField("任期(年)", default=5)
    term_ends_on = models.DateField("任期届满")
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "建会"
        constraints = [
            models.CheckConstraint(condition=Q(term_ends_on__gt=models.F("founded_on")), name="founding_term_after"),
        ]


class CommitteeMember(models.Model):
    founding = models.ForeignKey(Founding, on_delete=models.CASCADE, related_name="committee")
    role = models.CharField("职务", max_length=16, choices=CommitteeRole.choices)
    name = models.CharField("姓名", max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["founding"], condition=Q(role="chair"), name="committee_one_chair"),
        ]
