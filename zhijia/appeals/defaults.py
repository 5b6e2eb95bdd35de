"""The default category tree and time limits: put in by migration 0002, and again by tests that flush the
database."""

CATEGORIES = [
    # code, name, kind, children
    ("wage_arrears", "欠薪", "ordinary", [("wage_arrears_platform", "平台用工欠薪"),
                                          ("wage_arrears_project", "工程项目欠薪")]),
    ("labour_dispute", "劳动争议", "ordinary", [("labour_contract", "劳动合同"), ("work_injury", "工伤认定"),
                                                ("dismissal", "解除劳动关系")]),
    ("social_insurance", "社会保险", "ordinary", []),
    ("policy", "政策咨询", "consultation", [("policy_membership", "入会咨询"), ("policy_benefits", "普惠服务咨询")]),
    ("psychological", "心理疏导", "ordinary", []),
    ("hardship", "困难帮扶", "ordinary", []),
    ("rights", "维权服务", "ordinary", [("legal_aid", "法律援助")]),
    ("suggestion", "意见建议", "ordinary", []),
    ("praise", "表扬", "ordinary", []),
]


def ensure_defaults(Category, TimeLimit) -> None:
    for pos, (code, name, kind, children) in enumerate(CATEGORIES):
        top, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "position": pos})
        for cpos, (ccode, cname) in enumerate(children):
            Category.objects.get_or_create(code=ccode, defaults={"name": cname, "kind": kind, "position": cpos,
                                                                  "parent": top})
    # Urgent: answered within 2 hours, handled within 24, around the clock. Ordinary: contacted within 1 working
    # day, handled within 5. Consultations: answered within 2 working days.
    TimeLimit.objects.get_or_create(category=None, urgency="urgent", defaults={
        "respond_amount": 2, "respond_unit": "clock_hours", "resolve_amount": 24, "resolve_unit": "clock_hours",
        "remind_before_hours": 1})
    TimeLimit.objects.get_or_create(category=None, urgency="normal", defaults={
        "respond_amount": 1, "respond_unit": "workdays", "resolve_amount": 5, "resolve_unit": "workdays"})
    policy = Category.objects.get(code="policy")
    TimeLimit.objects.get_or_create(category=policy, urgency="normal", defaults={
        "respond_amount": 1, "respond_unit": "workdays", "resolve_amount": 2, "resolve_unit": "workdays"})
