"""Demo offers for the demo city (page 5): 400 park passes that went in under 30 minutes, drama tickets by lottery,
a produce pack still to come. Idempotent: offers are found by title, and claims are made only for a new offer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhijia.accounts.models import User
from zhijia.benefits import services
from zhijia.benefits.models import Benefit


def seed(stdout, options) -> None:
    admin = User.objects.filter(username="admin").first()
    fangshan = User.objects.filter(username="fangshan").first()
    if admin is None or fangshan is None:
        stdout.write("  benefits: demo staff missing, skipped")
        return
    now = timezone.now()
    offers = [
        (admin, {"title": "北京市公园年票（会员专享）", "kind": "pass", "units": 400, "per_member_limit": 1,
                 "release_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=6),
                 "redemption_place": "各区总工会服务大厅", "description": "每人限领1张，凭核销码到服务大厅领取年票。"},
         360),
        (admin, {"title": "人艺话剧《茶馆》门票", "kind": "ticket", "units": 100, "mode": "lottery",
                 "release_at": now - dt.timedelta(hours=6), "registration_closes_at": now + dt.timedelta(days=2),
                 "draw_at": now + dt.timedelta(days=2, hours=1), "closes_at": now + dt.timedelta(days=9),
                 "redemption_place": "首都剧场售票处", "description": "报名后统一抽签，种子哈希已公示，开奖后可复算。"},
         150),
        (fangshan, {"title": "房山区新就业形态劳动者蔬菜包", "kind": "goods", "units": 200, "per_member_limit": 1,
                    "release_at": now + dt.timedelta(hours=20), "closes_at": now + dt.timedelta(days=3),
                    "eligible_occupations": ["courier", "delivery_rider", "ride_hailing_driver", "truck_driver"],
                    "redemption_place": "房山区职工服务中心", "description": "快递员、外卖配送员、网约车和货车司机专享。"},
         0),
        (admin, {"title": "劳模疗休养名额（2027年春季）", "kind": "pass", "units": 30, "per_member_limit": 1,
                 "release_at": now + dt.timedelta(days=2), "closes_at": now + dt.timedelta(days=9),
                 "eligible_honours": ["model_worker"], "redemption_place": "北京市劳模疗休养中心",
                 "description": "仅限劳动模范（荣誉由评选表彰登记）。"},
         0),
    ]
    made = 0
    for actor, args, n_claims in offers:
        if Benefit.objects.filter(title=args["title"]).exists():
            continue
        offer = services.benefit_create(actor, **args)
        made += 1
        users = User.objects.filter(username__startswith="w", role="worker").order_by("username")[:n_claims]
        for user in users:
            try:
                services.claim_create(user, benefit_id=offer.pk, idempotency_key=f"demo-{offer.pk}-{user.pk}")
            except Exception as exc:  # noqa: BLE001 - a demo worker who is not eligible is simply skipped
                stdout.write(f"  benefits: {user} skipped ({exc})")
    stdout.write(f"  benefits: {made} demo offers, {Benefit.objects.count()} in all")
