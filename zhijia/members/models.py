"""Workers (职工) and their membership (会员) of a union.

A worker is identified by the 身份证号 (real-name record). The ID number and phone are stored sealed
(core.crypto) and found through their keyed hashes; gender and birth date are read from the ID number.
A worker has at most one current membership (applied or admitted), enforced by a conditional unique constraint.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, In
from django.utils.translation import gettext_lazy as _

from zhijia.core.crypto import KEYED_HASH_BYTES
from zhijia.core.fields import EncryptedTextField
from zhijia.orgs.models import Occupation


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Worker(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="worker")
    name = models.CharField("姓名", max_length=60)
    id_number = EncryptedTextField("身份证号")
    id_number_hash = models.BinaryField(max_length=KEYED_HASH_BYTES, unique=True)  # core.crypto.keyed_hash
    phone = EncryptedTextField("手机号", blank=True)
    phone_hash = models.BinaryField(max_length=KEYED_HASH_BYTES, blank=True, default=b"", db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    occupation = models.CharField("职业", max_length=24, choices=Occupation.choices, default=Occupation.OTHER)
    employer_name = models.CharField("工作单位", max_length=120, blank=True)
    employer_credit_code = models.CharField("单位统一社会信用代码", max_length=18, blank=True)
    work_region_code = models.CharField("工作地行政区划代码", max_length=12, blank=True)
    work_lat = models.FloatField("工作地纬度", null=True, blank=True)
    work_lng = models.FloatField("工作地经度", null=True, blank=True)
    home_region_code = models.CharField("居住地行政区划代码", max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "职工"
        verbose_name_plural = "职工"
        # One index per question asked (each index is written once per imported row): the work place by prefix and
        # exactly (pattern_ops serves both); the employer's code is never searched on workers.
        indexes = [models.Index(fields=["work_region_code"], name="worker_work_region",
                                opclasses=["varchar_pattern_ops"])]
        # A keyed hash is 16 bytes (core.crypto.keyed_hash): anything else (a writer still sending 64 hex characters,
        # which bytea would take as 64 bytes) is refused instead of stored where no lookup would ever find it.
        constraints = [
            models.CheckConstraint(condition=Exact(Length("id_number_hash"), KEYED_HASH_BYTES),
                                   name="worker_id_number_hash_16"),
            models.CheckConstraint(condition=In(Length("phone_hash"), [0, KEYED_HASH_BYTES]),
                                   name="worker_phone_hash_0_or_16"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_gig_worker(self) -> bool:
        from zhijia.orgs.models import GIG_OCCUPATIONS

        return self.occupation in GIG_OCCUPATIONS


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("申请中")
    ADMITTED = "admitted", _("在会")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    LEFT = "left", _("已退会")


CURRENT_STATUSES = (MembershipStatus.APPLIED, MembershipStatus.ADMITTED)


class Membership(models.Model):
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="memberships")
    # Indexed by membership_union_status, which starts with the union.
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="memberships", db_index=False)
    member_number = models.CharField("会员编号", max_length=24, null=True, blank=True, unique=True)
    status = models.CharField("状态", max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED)
    joined_on = models.DateField("入会日期", null=True, blank=True)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    # The membership this one continues after a transfer (会员关系转接): the chain is the member's history.
    transferred_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         db_index=False)  # partial index below: most memberships are not transfers
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "会籍"
        verbose_name_plural = "会籍"
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(status__in=["applied", "admitted"]),
                                    name="membership_one_current_per_worker"),
        ]
        indexes = [models.Index(fields=["union", "status"], name="membership_union_status"),
                   models.Index(fields=["transferred_from"], condition=Q(transferred_from__isnull=False),
                                name="membership_transferred_from")]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.union}"


def member_number_for(membership: Membership) -> str:
    """The member number: the district code of the union, then the membership's id, zero-padded (unique)."""
    return f"{membership.union.region_code[:6]}{membership.pk:010d}"


# --- 兜底建: online joining and its routing -------------------------------------------------------------------


class RoutingStrategy(models.TextChoices):
    """How one routing step looks for a union. The default rules put them in the order of 兜底建."""

    ENTERPRISE = "enterprise", _("雇主企业工会（按统一社会信用代码）")
    REGIONAL_INDUSTRY = "regional_industry", _("本区该行业的区域(行业)工会")
    PARK = "park", _("工作地所在园区工会")
    STREET = "street", _("工作地街道/乡镇总工会")
    COMMUNITY = "community", _("工作地社区(村)工会")
    DISTRICT = "district", _("区总工会")
    FIXED = "fixed", _("指定工会")


class RoutingRule(models.Model):
    """One step of the routing table, edited by staff. Active rules are tried in `priority` order; a rule applies
    to a worker when its district prefix and occupation (blank = any) match. The district federation is always the
    last resort, whatever the table says, so no application is ever left without a union."""

    priority = models.PositiveIntegerField("顺序", default=100)
    name = models.CharField("规则名称", max_length=80)
    strategy = models.CharField("方式", max_length=24, choices=RoutingStrategy.choices)
    match_region_prefix = models.CharField("适用地区代码前缀", max_length=12, blank=True)
    match_occupation = models.CharField("适用职业", max_length=24, choices=Occupation.choices, blank=True)
    target_union = models.ForeignKey("orgs.Union", verbose_name="指定工会", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField("启用", default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "入会分派规则"
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(strategy="fixed") | Q(target_union__isnull=False),
                                   name="routing_rule_fixed_has_target"),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已入会")
    REJECTED = "rejected", _("未通过")


class Channel(models.TextChoices):
    APP = "app", _("职工本人线上申请")
    STAFF = "staff", _("工作人员代办")


class MembershipApplication(models.Model):
    """入会申请. Submitting one also opens the worker's `applied` Membership (the one-current-membership constraint
    then refuses a second application, even from two requests at the same instant); approval turns it `admitted`
    and issues the member number, rejection closes it."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="applications")
    union = models.ForeignKey("orgs.Union", verbose_name="受理工会", on_delete=models.PROTECT,
                              related_name="applications")
    membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices, default=Channel.APP)
    routing_reason = models.TextField("分派理由")
    routing_rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occupation = models.CharField("职业", max_length=24, choices=Occupation.choices)
    work_region_code = models.CharField("工作地行政区划代码", max_length=12)
    employer_credit_code = models.CharField("单位统一社会信用代码", max_length=18, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField("驳回理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "入会申请"
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(status="pending"),
                                    name="application_one_pending_per_worker"),
        ]
        indexes = [models.Index(fields=["union", "status", "submitted_at"], name="application_queue")]

    def __str__(self) -> str:
        return f"{self.worker} → {self.union}"


class ApplicationEvent(models.Model):
    """The history of an application: submitted, re-routed (with the old and new union), approved, rejected."""

    application = models.ForeignKey(MembershipApplication, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16)
    note = models.TextField(blank=True)

    LABELS = {"submitted": _("提交申请"), "rerouted": _("改派"), "approved": _("审核通过"), "rejected": _("驳回")}

    class Meta:
        ordering = ["at", "id"]

    @property
    def label(self) -> str:
        return self.LABELS.get(self.kind, self.kind)


class WorkerNotice(models.Model):
    """A message to a worker shown in the app (入会结果, 转接进度)."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="notices")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


# --- 会员关系转接 ------------------------------------------------------------------------------------------------


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    COMPLETED = "completed", _("已转接")
    REFUSED = "refused", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


class MembershipTransfer(models.Model):
    """会员关系转接: moving an admitted membership from one union to another. Both sides confirm (the side that asked
    confirms by asking); on the second confirmation the old membership becomes `transferred_out` and a new admitted
    one starts in the receiving union, linked back to it so the history is unbroken."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="transfers")
    from_union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="transfers_out")
    to_union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="transfers_in")
    reason = models.CharField("转接原因", max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    from_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    from_confirmed_at = models.DateTimeField(null=True, blank=True)
    to_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    to_confirmed_at = models.DateTimeField(null=True, blank=True)
    refuse_reason = models.CharField("拒绝理由", max_length=200, blank=True)
    new_membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "会员关系转接"
        constraints = [
            models.UniqueConstraint(fields=["membership"], condition=Q(status="pending"),
                                    name="transfer_one_pending_per_membership"),
        ]


# --- 花名册导入 --------------------------------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("待确认导入")
    COMMITTING = "committing", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class RosterImport(models.Model):
    """One uploaded roster file: validated row by row into staging rows (RosterRow), shown as a report with a
    preview, then committed in the background: good rows are upserted by the ID's keyed hash."""

    union = models.ForeignKey("orgs.Union", verbose_name="导入到工会", on_delete=models.PROTECT,
                              related_name="roster_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField("文件名", max_length=200)
    stored_path = models.CharField(max_length=300)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    good_rows = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)
    existing_rows = models.PositiveIntegerField("库中已有", default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_workers = models.PositiveIntegerField(default=0)
    created_memberships = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "花名册导入"
        ordering = ["-created_at", "-id"]

    @property
    def progress_percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.VALIDATED):
            return 100
        total = self.good_rows if self.status == ImportStatus.COMMITTING else self.total_rows
        return min(99, int(100 * self.processed_rows / total)) if total else 0


class RosterRow(models.Model):
    """A staging row of an import. Good rows carry the sealed values ready to upsert; bad rows carry the reasons and
    the original cells (sealed, they may hold an ID number) for the failed-rows file. Good rows are removed once
    committed."""

    # Scratch rows written a million at a time by COPY: no database foreign key (it would check each row against the
    # batch; the rows are only written by the batch's own validation and deleted with it by Django's cascade), and
    # indexed by rosterrow_import_ok, which starts with the batch.
    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="rows",
                                      db_constraint=False, db_index=False)
    row_no = models.PositiveIntegerField()
    ok = models.BooleanField(default=True)
    errors = models.TextField(blank=True)
    raw = models.TextField(blank=True)  # sealed JSON of the original cells, bad rows only
    name = models.CharField(max_length=60, blank=True)
    id_number = models.TextField(blank=True)  # sealed
    id_number_hash = models.BinaryField(max_length=KEYED_HASH_BYTES, blank=True, default=b"")
    phone = models.TextField(blank=True)  # sealed
    phone_hash = models.BinaryField(max_length=KEYED_HASH_BYTES, blank=True, default=b"")
    gender = models.CharField(max_length=1, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    occupation = models.CharField(max_length=24, blank=True)
    employer_name = models.CharField(max_length=120, blank=True)
    work_region_code = models.CharField(max_length=12, blank=True)

    class Meta:
        # Repeated IDs are found by sorting a batch's hashes once (imports._mark_duplicates), not by an index.
        indexes = [models.Index(fields=["roster_import", "ok", "row_no"], name="rosterrow_import_ok")]
        constraints = [  # bad rows carry no hashes; good rows 16 bytes each (see Worker)
            models.CheckConstraint(condition=In(Length("id_number_hash"), [0, KEYED_HASH_BYTES]),
                                   name="rosterrow_id_hash_0_or_16"),
            models.CheckConstraint(condition=In(Length("phone_hash"), [0, KEYED_HASH_BYTES]),
                                   name="rosterrow_phone_hash_0_or_16"),
        ]


# --- 电子会员卡 ---------------------------------------------------------------------------------------------------


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    REPLACED = "replaced", _("已补发新卡，本卡作废")
    EXPIRED = "expired", _("已过期换发")
    REVOKED = "revoked", _("已注销")


class MemberCard(models.Model):
    """电子会员卡: one issued card of a membership. A card is known by its serial, member number + generation
    ("1101110000000042-2"); the generation is signed into the QR token, so re-issuing (补发: a lost phone, a QR
    someone else has used) revokes exactly the old card's serial and the new one stays valid. At most one active
    card per membership (conditional unique). Tokens signed before cards had rows carry no generation: they are
    generation 1."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="cards")
    member_number = models.CharField("会员编号", max_length=24)
    generation = models.PositiveSmallIntegerField("第几张卡", default=1)
    status = models.CharField("状态", max_length=16, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    issued_at = models.DateTimeField("签发时间")
    expires_on = models.DateField("有效期至")
    issue_reason = models.CharField("签发原因", max_length=100, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    ended_at = models.DateTimeField("作废时间", null=True, blank=True)
    end_reason = models.CharField("作废原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "电子会员卡"
        verbose_name_plural = "电子会员卡"
        ordering = ["membership_id", "-generation"]
        constraints = [
            models.UniqueConstraint(fields=["member_number", "generation"], name="member_card_serial_unique"),
            models.UniqueConstraint(fields=["membership"], condition=Q(status="active"),
                                    name="member_card_one_active_per_membership"),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def serial(self) -> str:
        return card_serial(self.member_number, self.generation)


def card_serial(member_number: str, generation: int) -> str:
    return f"{member_number}-{generation}"


class CardRevocation(models.Model):
    """A revoked e-card, by serial (member number + generation). The list's version is the highest id: a scanner
    caches the list and asks for what is newer."""

    member_number = models.CharField(max_length=24)
    generation = models.PositiveSmallIntegerField(default=1)
    reason = models.CharField(max_length=100, blank=True)
    revoked_at = models.DateTimeField(auto_now_add=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member_number", "generation"],
                                               name="card_revocation_serial_unique")]

    @property
    def serial(self) -> str:
        return card_serial(self.member_number, self.generation)
