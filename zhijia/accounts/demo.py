"""Demo staff accounts (password `zhijia-demo`). Workers' accounts are made by members.demo."""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from zhijia.accounts.models import Role, User
from zhijia.orgs.models import Union

DEMO_PASSWORD = "zhijia-demo"
STAFF = [
    # username, role, union name, display name
    ("admin", Role.MUNICIPAL_ADMIN, "北京市总工会", "市总管理员"),
    ("fangshan", Role.DISTRICT_STAFF, "房山区总工会", "房山区总工会工作人员"),
    ("haidian", Role.DISTRICT_STAFF, "海淀区总工会", "海淀区总工会工作人员"),
    ("chaoyang", Role.DISTRICT_STAFF, "朝阳区总工会", "朝阳区总工会工作人员"),
    ("agent", Role.HOTLINE_AGENT, "北京市总工会", "12351坐席"),
    ("reviewer", Role.REVIEWER, "北京市总工会", "评审专家"),
    ("grassroots", Role.GRASSROOTS_STAFF, "房山区总工会/城关街道总工会", "城关街道社工"),
]


@transaction.atomic
def seed(stdout, options) -> None:
    password = make_password(DEMO_PASSWORD)
    for username, role, union_name, display in STAFF:
        if User.objects.filter(username=username).exists():
            continue
        union = None
        for part in union_name.split("/"):
            union = Union.objects.filter(name=part, **({"parent": union} if union else {})).order_by("depth").first()
        User.objects.create(username=username, role=role, union=union, display_name=display, password=password,
                            is_staff=role == Role.MUNICIPAL_ADMIN)
    stdout.write(f"  staff accounts: {', '.join(s[0] for s in STAFF)} (password {DEMO_PASSWORD})")
