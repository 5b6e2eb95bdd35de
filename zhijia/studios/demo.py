"""Demo innovation studios: 32 district-level and 9 municipal-level studios (创新工作室) across the demo city's
districts, ¥1,567,000 of support funds (助推资金) granted, 34 invention patents and 24 conversions (成果转化).

The figures are page 4's (昌平区总工会: 32 district studios, 9 of them recommended to municipal level, ¥1.567 million
over five years, 34 invention patents, 24 conversions); the task spreads them over the city so the totals per
district have rows to show. 孙礼玲创新工作室 of 昌平区医院 (page 4: founded 2018, 19 people, municipal this year)
is one of the nine. Idempotent: skipped when studios exist.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhijia.accounts.models import User
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Kind, Level, Union
from zhijia.stations import geo
from zhijia.studios import services
from zhijia.studios.models import InnovationStudio, MemberRole, StudioField, StudioMember
from zhijia.studios.patents import patent_number_for

DISTRICT_PER_DISTRICT = 2  # 16 districts x 2 = 32 district-level studios
MUNICIPAL_DISTRICTS = ("110114", "110101", "110102", "110105", "110108", "110106", "110111", "110112", "110115")
DISTRICT_GRANTS = (Decimal("20000"), Decimal("10000"))  # 32 x 30,000 = 960,000
MUNICIPAL_GRANTS = (Decimal("40000"), Decimal("27000"))  # 9 x 67,000 = 603,000, plus 4,000 below
CHANGPING_TOP_UP = Decimal("4000")  # 960,000 + 603,000 + 4,000 = 1,567,000
TOTAL_GRANTED = Decimal("1567000")
ROADS = ("创新路", "科技园路", "兴业大街", "工业南路", "振兴路", "科创街")
PATENTS, CONVERSIONS = 34, 24
FIELDS = [f for f in StudioField.values if f != StudioField.OTHER]
MUNICIPAL_TITLES = ("北京市劳动模范", "北京大工匠", "首都劳动奖章获得者", "全国五一劳动奖章获得者")
DISTRICT_TITLES = ("区级劳动模范", "区级优秀工匠", "区级技术能手", "")
TOPICS = {
    "manufacturing": ("数控机床主轴热变形补偿装置", "精密零件自动检测夹具"),
    "construction": ("装配式建筑模块快速连接节点", "低碳混凝土养护系统"),
    "energy": ("配电线路带电作业绝缘工具", "光伏组件清洗机器人"),
    "transport": ("快递包裹智能分拣导轨", "公交车辆故障预警终端"),
    "it": ("政务热线工单智能分派方法", "数据中心节能监控系统"),
    "health": ("冠状动脉旋磨导管固定装置", "血管内超声图像辅助测量方法"),
    "environment": ("餐厨垃圾脱水预处理设备", "污水处理曝气节能控制方法"),
    "services": ("社区养老助餐配送保温箱", "物业设施巡检记录终端"),
    "agriculture": ("设施大棚水肥一体化控制器", "果树嫁接辅助工具"),
}
PARTNERS = ("北京京城机电控股有限责任公司", "北京城建集团有限责任公司", "国网北京市电力公司", "北京公共交通控股（集团）有限公司",
            "北京首都开发控股（集团）有限公司", "北京同仁堂股份有限公司", "北京排水集团", "北京农业职业学院")


def _people(union: Union, count: int) -> list:
    return [m.worker for m in Membership.objects.filter(status=MembershipStatus.ADMITTED,
                                                       union__path__startswith=union.path)
            .select_related("worker").order_by("pk")[:count]]


@transaction.atomic
def seed(stdout, options) -> None:
    admin = User.objects.filter(username="admin").first()
    districts = {u.region_code: u for u in Union.objects.filter(level=Level.DISTRICT, kind=Kind.FEDERATION)}
    if admin is None or not districts:
        stdout.write("  studios: union tree or admin missing, skipped")
        return
    if InnovationStudio.objects.exists():
        stdout.write("  studios: already seeded")
        return
    rnd = random.Random(1567)
    this_year = timezone.localdate().year
    municipal = Union.objects.filter(level=Level.MUNICIPAL, parent__isnull=True).first() or admin.union
    plan = []  # (district code, level, index)
    for code in sorted(districts):
        plan += [(code, "district", i) for i in range(DISTRICT_PER_DISTRICT)]
    plan += [(code, "municipal", 0) for code in MUNICIPAL_DISTRICTS if code in districts]
    studios, used = [], set()
    for n, (code, level, _i) in enumerate(plan):
        district = districts[code]
        # Enough people for the leader and a team; the demo members are spread over the whole tree.
        people = [w for w in _people(district, 80) if w.pk not in used][: 6 + (13 if level == "municipal" else 0)]
        used.update(w.pk for w in people)
        name, lat, lng = geo.DISTRICT_CENTRES.get(code, (district.name, 39.9, 116.4))
        field = FIELDS[n % len(FIELDS)]
        changping_flagship = level == "municipal" and code == "110114"
        kwargs = {
            "level": level, "union_id": district.pk, "region_code": code,
            "address": f"北京市{name}{ROADS[n % len(ROADS)]}{rnd.randint(1, 300)}号",
            "lat": round(lat + rnd.uniform(-0.04, 0.04), 6), "lng": round(lng + rnd.uniform(-0.05, 0.05), 6),
            "recognised_year": rnd.randint(2018, 2022), "field": field,
        }
        if changping_flagship:
            kwargs.update(name="孙礼玲创新工作室", leader_name="孙礼玲", leader_title="昌平区医院心内科主任",
                          field=StudioField.HEALTH, recognised_year=2018, address="北京市昌平区鼓楼北街9号 昌平区医院",
                          description="集合院内博士、硕士等19名优秀人才，在院内实现冠状动脉内旋磨术、血管内超声等多项技术创新；"
                                      "今年晋升为市级职工创新工作室。")
        else:
            leader = people[0] if people else None
            titles = MUNICIPAL_TITLES if level == "municipal" else DISTRICT_TITLES
            suffix = "劳模创新工作室" if level == "municipal" else "职工创新工作室"
            # Named after the leader; a district with too few demo members still gets distinct names.
            kwargs.update(name=f"{leader.name}{suffix}" if leader else f"{name}第{n + 1}{suffix}",
                          leader_worker_id=leader.pk if leader else None, leader_name=leader.name if leader else "待定",
                          leader_title=titles[n % len(titles)])
        studio = services.studio_create(admin, **kwargs)
        team = people[1:] if not changping_flagship else people
        StudioMember.objects.bulk_create([
            StudioMember(studio=studio, worker=w, role=MemberRole.CORE if k < 2 else MemberRole.MEMBER)
            for k, w in enumerate(team)])
        studios.append(studio)
    granted = Decimal("0")
    for studio in studios:
        district = districts[studio.region_code]
        granting = municipal if studio.level == "municipal" else district
        amounts = list(MUNICIPAL_GRANTS if studio.level == "municipal" else DISTRICT_GRANTS)
        if studio.name == "孙礼玲创新工作室":
            amounts[-1] += CHANGPING_TOP_UP
        for k, amount in enumerate(amounts):
            year = min(studio.recognised_year + 2 * k, this_year - 1)
            grant = services.grant_create(admin, studio_id=studio.pk, amount=amount, year=year,
                                          granting_union_id=granting.pk,
                                          purpose="创建补助" if k == 0 else "攻关项目助推")
            granted += amount
            share = Decimal(rnd.choice([40, 55, 70, 85, 100])) / 100
            for part, purpose in ((Decimal("0.6"), "专家会诊费、讲课费"), (Decimal("0.4"), "设备购置与耗材")):
                value = (amount * share * part).quantize(Decimal("1"))
                if value > 0:
                    services.grant_spend(admin, grant_id=grant.pk, amount=value, purpose=purpose,
                                         spent_on=timezone.localdate().replace(year=year, month=6, day=15))
    assert granted == TOTAL_GRANTED, granted
    # 34 invention patents: two for each municipal studio, one for each of the first 16 district studios.
    owners = [s for s in studios if s.level == "municipal"] * 2 + [s for s in studios if s.level == "district"]
    patents = []
    for k, studio in enumerate(owners[:PATENTS]):
        topic = TOPICS.get(studio.field, TOPICS["manufacturing"])[k % 2]
        year = min(studio.recognised_year + 1 + k % 3, this_year - 1)
        patents.append(services.patent_add(admin, studio_id=studio.pk, title=topic, kind="invention", year=year,
                                           number=f"ZL{patent_number_for(year, 'invention', 100000 + 37 * k)}"))
    # 24 conversions: one per municipal studio, then one each for 15 district studios.
    converters = [s for s in studios if s.level == "municipal"] + [s for s in studios if s.level == "district"]
    for k, studio in enumerate(converters[:CONVERSIONS]):
        own = [p for p in patents if p.studio_id == studio.pk]
        services.conversion_add(admin, studio_id=studio.pk, partner=PARTNERS[k % len(PARTNERS)],
                                title=(own[0].title if own else TOPICS.get(studio.field, TOPICS["it"])[1]) + "推广应用",
                                value=Decimal(rnd.randrange(50, 800)) * 1000, year=this_year - 1 - k % 3,
                                patent_id=own[0].pk if own else None)
    for k, studio in enumerate(s for s in studios if s.level == "municipal"):
        services.award_add(admin, studio_id=studio.pk, title="北京市职工创新成果奖", level="municipal",
                           awarded_by="北京市总工会", year=this_year - 1 - k % 2)
    # Last year's annual review: mostly passed, a few excellent, one district studio failed and on probation.
    for k, studio in enumerate(studios):
        if studio.recognised_year >= this_year - 1:
            continue
        base = {"rules": 12, "team": 12, "projects": 15, "results": 15, "conversion": 11, "funds": 13}
        if k % 7 == 0:
            base = {"rules": 15, "team": 14, "projects": 19, "results": 19, "conversion": 14, "funds": 15}
        failed = k == 5
        if failed:
            base = {"rules": 8, "team": 9, "projects": 10, "results": 8, "conversion": 5, "funds": 9}
        services.review_record(admin, studio_id=studio.pk, year=this_year - 1, scores=base,
                               reason="攻关项目停滞，成果与资金使用台账不全，限期三个月整改" if failed
                               else "制度健全，按计划开展攻关与带徒，资金使用规范",
                               action="probation" if failed else None)
    stdout.write(f"  studios: {sum(s.level == 'district' for s in studios)} district and "
                 f"{sum(s.level == 'municipal' for s in studios)} municipal studios, ¥{granted:,.0f} granted, "
                 f"{len(patents)} patents, {min(CONVERSIONS, len(converters))} conversions")
