"""Care demo data for the demo city, with the figures of the source pages:

- page 2 (全总 送温暖助力冬奥会): a ¥44,000,000 送温暖 campaign for the Winter Olympics' service staff, allocated to
  the 16 districts and on to their streets, with thousands of visits handing out money, 温暖包, 健康包 and 棉马甲
  (page 4: cotton vests for couriers and cleaners at 德胜街道);
- page 4 (北京邮政工会): group accident cover for outdoor staff since 2014, ¥3.0197 million over 7 years, about 8,000
  workers a year, 13 claims paid;
- a few hundred hardship files across the districts, against Beijing's 低保 (demo figures, configurable).

Bulk-written for speed, but every counter equals the sum of its ledger rows, as the services would leave them.
Idempotent: a second run finds the campaign and the plans and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zhijia.accounts.models import User
from zhijia.care.models import (
    AidEvent,
    Allocation,
    Assistance,
    BudgetEntry,
    Claim,
    ClaimDocument,
    ClaimStatus,
    Enrollment,
    EntryKind,
    FileStatus,
    GoodsKind,
    GoodsStock,
    HardshipCause,
    HardshipFile,
    HouseholdMember,
    LivingStandard,
    MutualAidPlan,
    PlanBenefit,
    StockEntry,
    Visit,
    VisitGoods,
    WarmthCampaign,
)
from zhijia.care.services.hardship import category_for, per_capita_monthly
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Kind, Level, Union

CAMPAIGN_NAME = "温暖冬奥人·一起向未来 送温暖活动"
CAMPAIGN_BUDGET = Decimal("44000000.00")
# Beijing's 城乡低保 (yuan per person and month) by year: demo figures; staff set the real ones per district.
LIVING_STANDARDS = {2021: "1245.00", 2022: "1320.00", 2023: "1395.00", 2024: "1420.00"}
PLAN_NAME = "外勤职工团体意外伤害医疗互助保障"
PLAN_YEARS = range(2014, 2021)  # 7 years from 2014 (page 4); the current year's plan is added, claims in review
ENROLLED_PER_YEAR = 8000
CONTRIBUTION = Decimal("53.93")  # 3,019,700 ÷ 7 ÷ 8,000, to the fen
# 13 claims over the 7 years: (year, event, expenses)
CLAIMS = [(2014, "accident_medical", "8600"), (2015, "accident_medical", "12400"), (2015, "hospitalization", "0"),
          (2016, "accident_medical", "5300"), (2016, "accident_disability", "0"), (2017, "accident_medical", "21800"),
          (2017, "hospitalization", "0"), (2018, "accident_medical", "9700"), (2018, "accident_medical", "3100"),
          (2019, "accident_disability", "0"), (2019, "accident_medical", "15200"), (2020, "accident_medical", "7400"),
          (2020, "hospitalization", "0")]
GROUP_SITES = ["延庆赛区场馆保洁班组", "国家速滑馆安保队", "首钢滑雪大跳台餐饮服务组", "冬奥村环卫作业班",
               "张家口方向运输保障车队", "国家体育场通信保障班组", "冬奥专线公交驾驶员班组", "场馆供暖运行班"]
GOODS_VALUES = {GoodsKind.WARMTH_PACK: Decimal("120.00"), GoodsKind.HEALTH_PACK: Decimal("80.00"),
                GoodsKind.COTTON_VEST: Decimal("95.00")}


def seed(stdout, options) -> None:
    _living_standards()
    visits = _campaign(stdout)
    files = _hardship_files()
    claims = _mutual_aid()
    stdout.write(f"  care: {visits} visits, {files} hardship files, {claims} mutual-aid claims")


def _living_standards() -> None:
    for year, amount in LIVING_STANDARDS.items():
        LivingStandard.objects.get_or_create(region_code="110000", year=year, defaults={"monthly_amount": amount})
    # The current year (and next) carry the latest figure until staff set a new one.
    latest = LIVING_STANDARDS[max(LIVING_STANDARDS)]
    for year in range(max(LIVING_STANDARDS) + 1, timezone.localdate().year + 1):
        LivingStandard.objects.get_or_create(region_code="110000", year=year, defaults={"monthly_amount": latest})


def _aware(day: dt.date, rnd: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rnd.randint(8, 18), rnd.choice((0, 15, 30, 45)))))


@transaction.atomic
def _campaign(stdout) -> int:
    if WarmthCampaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return 0
    rnd = random.Random(2022)
    city = Union.objects.get(parent__isnull=True, level=Level.MUNICIPAL)
    admin = User.objects.filter(username="admin").first()
    start, end = dt.date(2021, 12, 31), dt.date(2022, 3, 31)
    campaign = WarmthCampaign.objects.create(
        name=CAMPAIGN_NAME, season="2022年冬奥会、冬残奥会", union=city, budget=CAMPAIGN_BUDGET, starts_on=start,
        ends_on=end, created_by=admin, target_groups="冬奥会和冬残奥会服务保障人员（场馆保洁、安保、餐饮、交通运输、通信、水电气热保障）",
        funding_sources="全国总工会送温暖专项资金（4400万元）、市总工会配套")
    root = Allocation.objects.create(campaign=campaign, union=city, amount=CAMPAIGN_BUDGET)
    entries = [BudgetEntry(campaign=campaign, kind=EntryKind.BUDGET, target=root, amount=CAMPAIGN_BUDGET,
                           actor=admin, note="设立活动预算")]
    districts = list(Union.objects.filter(parent=city, level=Level.DISTRICT, kind=Kind.FEDERATION)
                     .order_by("region_code"))
    # The three competition-zone districts (延庆, 朝阳, 石景山) get more.
    weights = {d.pk: (3 if d.region_code in ("110119", "110105", "110107") else 1) for d in districts}
    district_pool = Decimal("36000000.00")
    total_w = sum(weights.values())
    allocations = []
    for d in districts:
        amount = (district_pool * weights[d.pk] / total_w).quantize(Decimal("1000"))
        allocations.append(Allocation(campaign=campaign, union=d, parent=root, amount=amount))
    Allocation.objects.bulk_create(allocations)
    root.allocated = sum(a.amount for a in allocations)
    streets_by_district = {}
    for s in Union.objects.filter(parent__in=districts, level__in=[Level.STREET, Level.TOWNSHIP],
                                  kind=Kind.FEDERATION).order_by("region_code"):
        streets_by_district.setdefault(s.parent_id, []).append(s)
    street_allocs = []
    for a in allocations:
        entries.append(BudgetEntry(campaign=campaign, kind=EntryKind.ALLOCATE, source=root, target=a,
                                   amount=a.amount, actor=admin, note="按服务保障人员数下拨"))
        streets = streets_by_district.get(a.union_id, [])[:6]
        if not streets:
            continue
        share = (a.amount * Decimal("0.6") / len(streets)).quantize(Decimal("100"))
        for s in streets:
            street_allocs.append(Allocation(campaign=campaign, union=s, parent=a, amount=share))
        a.allocated = share * len(streets)
    Allocation.objects.bulk_create(street_allocs)
    for sa in street_allocs:
        entries.append(BudgetEntry(campaign=campaign, kind=EntryKind.ALLOCATE, source=sa.parent, target=sa,
                                   amount=sa.amount, note="街道（乡镇）走访慰问"))
    # One reallocation and one return, so the ledger shows both.
    entries += _demo_moves(campaign, allocations)
    spenders = [*allocations, *street_allocs]
    members_by_district = {}
    for worker_id, path in (Membership.objects.filter(status=MembershipStatus.ADMITTED)
                            .values_list("worker_id", "union__path")):
        members_by_district.setdefault(path.split("/")[1], []).append(worker_id)
    visits, goods_lines, stocks, stock_entries = [], [], [], []
    days = (end - start).days
    for a in spenders:
        district_id = a.union.path.split("/")[1]
        people_pool = members_by_district.get(district_id, [])
        # a unit's store of goods, bought for the campaign
        unit_stock = {k: rnd.randint(150, 300) for k in GOODS_VALUES}
        budget_left = a.amount - a.allocated
        n = 70 if a.parent_id == root.pk else 45
        for _ in range(n):
            kind = rnd.choice(list(GOODS_VALUES))
            qty = 1
            group = rnd.random() < 0.2 or not people_pool
            if group:
                qty = rnd.randint(8, 30)
            if unit_stock[kind] < qty:
                continue
            cash = Decimal(rnd.choice((0, 200, 300, 500))) if not group else Decimal("0")
            total = cash + GOODS_VALUES[kind] * qty
            if total > budget_left * Decimal("0.9"):
                break
            budget_left -= total
            unit_stock[kind] -= qty
            visits.append(Visit(
                campaign=campaign, allocation=a, union=a.union,
                worker_id=None if group else rnd.choice(people_pool),
                group_name=rnd.choice(GROUP_SITES) if group else "", people=qty if group else 1,
                visitors=f"{a.union.name}慰问组", place="服务保障一线", amount=cash,
                goods_value=GOODS_VALUES[kind] * qty, total=total,
                visited_at=_aware(start + dt.timedelta(days=rnd.randint(0, days)), rnd)))
            goods_lines.append((len(visits) - 1, kind, qty))
        for kind, left in unit_stock.items():
            stocks.append(GoodsStock(union=a.union, kind=kind, quantity=left, unit_value=GOODS_VALUES[kind]))
    Visit.objects.bulk_create(visits, batch_size=2000)
    VisitGoods.objects.bulk_create([VisitGoods(visit=visits[i], kind=k, quantity=q, unit_value=GOODS_VALUES[k])
                                    for i, k, q in goods_lines], batch_size=2000)
    GoodsStock.objects.bulk_create(stocks, ignore_conflicts=True)
    stock_by_key = {(s.union_id, s.kind): s for s in GoodsStock.objects.filter(union__in=[a.union for a in spenders])}
    issued: dict = {}
    for i, k, q in goods_lines:
        key = (visits[i].union_id, k)
        issued[key] = issued.get(key, 0) + q
    for key, stock in stock_by_key.items():
        stock_entries.append(StockEntry(stock=stock, change=stock.quantity + issued.get(key, 0), note="活动采购入库"))
    StockEntry.objects.bulk_create(stock_entries)
    StockEntry.objects.bulk_create([StockEntry(stock=stock_by_key[(visits[i].union_id, k)], change=-q,
                                               visit=visits[i], note="走访慰问发放") for i, k, q in goods_lines],
                                   batch_size=2000)
    entries += [BudgetEntry(campaign=campaign, kind=EntryKind.SPEND, source=v.allocation, amount=v.total, visit=v,
                            note=v.group_name or "个人慰问") for v in visits]
    BudgetEntry.objects.bulk_create(entries, batch_size=2000)
    spent = dict(Visit.objects.filter(campaign=campaign).values_list("allocation_id").annotate(s=Sum("total")))
    for a in [root, *allocations, *street_allocs]:
        a.spent = spent.get(a.pk, Decimal("0"))
    Allocation.objects.bulk_update([root, *allocations, *street_allocs], ["amount", "allocated", "spent"])
    return len(visits)


def _demo_moves(campaign, allocations) -> list[BudgetEntry]:
    """延庆 gets 200,000 more from a plain district's share (调剂); another returns 50,000 unspent (退回)."""
    by_code = {a.union.region_code: a for a in allocations}
    out = []
    yanqing, source, returning = by_code.get("110119"), by_code.get("110117"), by_code.get("110118")
    if yanqing and source:
        value = Decimal("200000.00")
        source.amount -= value
        yanqing.amount += value
        out.append(BudgetEntry(campaign=campaign, kind=EntryKind.REALLOCATE, source=source, target=yanqing,
                               amount=value, note="延庆赛区服务保障人员多，调剂补充"))
    if returning:
        value = Decimal("50000.00")
        returning.amount -= value
        root = returning.parent
        root.allocated -= value
        out.append(BudgetEntry(campaign=campaign, kind=EntryKind.RETURN, source=returning, target=root, amount=value,
                               note="结余资金退回"))
    return out


@transaction.atomic
def _hardship_files() -> int:
    if HardshipFile.objects.exists():
        return 0
    rnd = random.Random(351)
    today = timezone.localdate()
    standard = LivingStandard.objects.filter(region_code="110000", year__lte=today.year).order_by("-year").first()
    memberships = list(Membership.objects.filter(status=MembershipStatus.ADMITTED).select_related("union")
                       .order_by("id")[:20000:60])
    district_staff = User.objects.filter(username="fangshan").first()
    files, households = [], []
    relations = ["配偶", "子女", "子女", "父亲", "母亲"]
    for i, m in enumerate(memberships[:320]):
        size = rnd.randint(1, 5)
        causes = rnd.sample(HardshipCause.values, k=rnd.choice((1, 1, 2)))
        income = Decimal(rnd.randrange(8000, 90000, 500))
        costs = Decimal(rnd.randrange(0, 30000, 500))
        if costs > income:
            costs = income
        pc = per_capita_monthly(yearly_income=income, yearly_unavoidable_costs=costs, household_size=size)
        category = category_for(per_capita=pc, standard=standard.monthly_amount, causes=causes)
        if category is None:
            causes = [*causes, "illness"] if "illness" not in causes else causes
            category = "accident"
        status = rnd.choices([FileStatus.APPROVED, FileStatus.SUBMITTED, FileStatus.CHECKED, FileStatus.CLOSED],
                             weights=[70, 10, 8, 12])[0]
        approved_on = today - dt.timedelta(days=rnd.randint(20, 360)) if status in (
            FileStatus.APPROVED, FileStatus.CLOSED) else None
        files.append(HardshipFile(
            worker_id=m.worker_id, union=m.union, status=status, category=category, causes=causes,
            household_size=size, yearly_income=income, yearly_unavoidable_costs=costs, per_capita_monthly=pc,
            standard_monthly=standard.monthly_amount, standard_year=standard.year,
            situation=rnd.choice(["配偶患慢性病长期服药", "子女就读大学，学费负担重", "本人工伤后收入下降",
                                  "家中房屋受灾", "失业后再就业收入不稳定"]),
            opened_by_worker=i % 3 == 0, approved_on=approved_on, approved_by=district_staff if approved_on else None,
            review_due_on=approved_on.replace(year=approved_on.year + 1) if approved_on and approved_on.month * 100
            + approved_on.day != 229 else None,
            closed_on=today - dt.timedelta(days=5) if status == FileStatus.CLOSED else None,
            close_reason="家庭收入提高，已脱困" if status == FileStatus.CLOSED else ""))
    HardshipFile.objects.bulk_create(files)
    # Two workers with a second file in another union: the double-help flag the district sees before approval.
    dup = []
    for original in files[:2]:
        other = memberships[-1 - files.index(original)]
        dup.append(HardshipFile(
            worker_id=original.worker_id, union=other.union, status=FileStatus.CHECKED, category=original.category,
            causes=original.causes, household_size=original.household_size, yearly_income=original.yearly_income,
            yearly_unavoidable_costs=original.yearly_unavoidable_costs,
            per_capita_monthly=original.per_capita_monthly, standard_monthly=original.standard_monthly,
            standard_year=original.standard_year, situation="异地再次申请",
            flags=[{"type": "file", "file": original.pk, "union": original.union.name, "status": original.status,
                    "causes": original.causes, "message": f"该职工已在{original.union.name}建档"}]))
    HardshipFile.objects.bulk_create(dup)
    for f in files:
        for j in range(f.household_size - 1):
            households.append(HouseholdMember(file=f, name=f"家属{j + 1}", relation=relations[j],
                                              birth_year=rnd.randint(1950, 2018)))
    HouseholdMember.objects.bulk_create(households, batch_size=2000)
    aid = []
    for f in files:
        if f.status != FileStatus.APPROVED:
            continue
        kind = {"illness": "medical", "education": "education", "accident": "emergency",
                "disaster": "emergency"}.get(f.causes[0], "living")
        paid_on = max(f.approved_on, today - dt.timedelta(days=rnd.randint(0, 60)))
        aid.append(Assistance(file=f, worker_id=f.worker_id, union=f.union, kind=kind,
                              amount=Decimal(rnd.choice((1000, 2000, 3000, 5000))), paid_on=paid_on,
                              year=paid_on.year, note="送温暖及专项救助"))
    Assistance.objects.bulk_create(aid)
    return len(files) + len(dup)


@transaction.atomic
def _mutual_aid() -> int:
    postal = Union.objects.filter(name="北京邮政工会").first()
    if postal is None or MutualAidPlan.objects.filter(union=postal, name=PLAN_NAME).exists():
        return 0
    rnd = random.Random(30197)
    reviewer = User.objects.filter(username="admin").first()
    worker_ids = list(Membership.objects.filter(status=MembershipStatus.ADMITTED).order_by("id")
                      .values_list("worker_id", flat=True)[:ENROLLED_PER_YEAR + 400])
    made = 0
    current = timezone.localdate().year
    for year in [*PLAN_YEARS, current]:
        plan = MutualAidPlan.objects.create(name=PLAN_NAME, union=postal, year=year, contribution=CONTRIBUTION,
                                            yearly_cap=Decimal("60000.00"))
        PlanBenefit.objects.bulk_create([
            PlanBenefit(plan=plan, event=AidEvent.ACCIDENT_MEDICAL, expense_ratio=Decimal("0.90"),
                        deductible=Decimal("100.00"), cap=Decimal("20000.00"),
                        required_documents=["claim_form", "accident_proof", "medical_record", "invoice"]),
            PlanBenefit(plan=plan, event=AidEvent.HOSPITALIZATION, fixed_amount=Decimal("1500.00"),
                        cap=Decimal("1500.00"), required_documents=["claim_form", "discharge_summary"]),
            PlanBenefit(plan=plan, event=AidEvent.ACCIDENT_DISABILITY, fixed_amount=Decimal("30000.00"),
                        cap=Decimal("30000.00"),
                        required_documents=["claim_form", "accident_proof", "disability_assessment"]),
            PlanBenefit(plan=plan, event=AidEvent.ACCIDENT_DEATH, fixed_amount=Decimal("60000.00"),
                        cap=Decimal("60000.00"), required_documents=["claim_form", "death_certificate"]),
        ])
        # The current year enrols the first members (the demo accounts among them) so they can file a claim.
        enrolled = worker_ids[:ENROLLED_PER_YEAR] if year == current else rnd.sample(
            worker_ids, min(ENROLLED_PER_YEAR, len(worker_ids)))
        Enrollment.objects.bulk_create([Enrollment(plan=plan, worker_id=w, union=postal, contribution=CONTRIBUTION)
                                        for w in enrolled], batch_size=4000)
        benefits = {b.event: b for b in plan.benefits.all()}
        for claim_year, event, expenses in CLAIMS:
            if claim_year != year:
                continue
            enrollment = Enrollment.objects.filter(plan=plan).order_by("?").first()
            b = benefits[event]
            expense = Decimal(expenses)
            payout = min(b.fixed_amount + max(Decimal(0), expense - b.deductible) * b.expense_ratio, b.cap)
            claim = Claim.objects.create(
                plan=plan, enrollment=enrollment, worker_id=enrollment.worker_id, union=postal, event=event,
                event_on=dt.date(year, rnd.randint(1, 12), rnd.randint(1, 28)), expenses=expense,
                description="投递途中意外受伤", status=ClaimStatus.PAID, payout=payout.quantize(Decimal("0.01")),
                first_reviewer=reviewer, second_reviewer=reviewer, paid_on=dt.date(year, 12, 28),
                payment_reference=f"YZHZ{year}{made + 1:04d}")
            ClaimDocument.objects.bulk_create([ClaimDocument(claim=claim, kind=k) for k in b.required_documents])
            made += 1
        if year == current:
            made += _claims_in_review(plan, benefits, rnd)
    return made


def _claims_in_review(plan, benefits, rnd) -> int:
    reviewer = User.objects.filter(username="fangshan").first()
    today = timezone.localdate()
    for i, status in enumerate((ClaimStatus.SUBMITTED, ClaimStatus.FIRST_APPROVED)):
        enrollment = Enrollment.objects.filter(plan=plan).order_by("id")[10 + i]
        b = benefits[AidEvent.ACCIDENT_MEDICAL]
        claim = Claim.objects.create(
            plan=plan, enrollment=enrollment, worker_id=enrollment.worker_id, union=plan.union, event=b.event,
            event_on=today - dt.timedelta(days=rnd.randint(3, 20)), expenses=Decimal("4600.00"),
            description="投递途中电动车侧滑摔伤", status=status,
            first_reviewer=reviewer if status == ClaimStatus.FIRST_APPROVED else None)
        ClaimDocument.objects.bulk_create([ClaimDocument(claim=claim, kind=k) for k in b.required_documents])
    return 2
