"""Pages: the worker's offers, claim and claims; the staff console's offers, live figures and the redemption scanner.
Thin: each view calls one service or selector and renders."""

from __future__ import annotations

import datetime as dt
import uuid

import segno
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from zhijia.benefits import selectors, services
from zhijia.benefits.models import BenefitKind, BenefitMode, ClaimStatus
from zhijia.core.errors import DomainError
from zhijia.core.http import client_ip
from zhijia.core.views_support import call_with_message, staff_page, worker_page
from zhijia.honors.models import HonourKind
from zhijia.members.selectors import member_in_good_standing
from zhijia.orgs.models import Occupation


def _qr_svg(code: str) -> str:
    return segno.make(code, error="m").svg_data_uri(scale=6, border=2)


# --- worker pages ---------------------------------------------------------------------------------------------------

@worker_page
def worker_list(request):
    membership = member_in_good_standing(request.user)
    offers = selectors.benefits_open_to(membership=membership)
    cards = [{"benefit": b, "remaining": selectors.benefit_remaining_fast(b), "key": uuid.uuid4().hex}
             for b in offers]
    return render(request, "benefits/worker_list.html", {"cards": cards, "membership": membership})


@worker_page
@require_POST
def worker_claim(request, benefit_id: int):
    """One tap: the answer replaces the button at once (htmx). The form's key makes a double tap harmless."""
    try:
        claim, _ = services.claim_create(request.user, benefit_id=benefit_id,
                                         idempotency_key=request.POST.get("key", ""),
                                         request_hash="page", ip=client_ip(request))
        ctx = {"claim": claim, "code": services.redemption_code(claim)}
        if ctx["code"]:
            ctx["qr"] = _qr_svg(ctx["code"])
    except DomainError as exc:
        ctx = {"error": exc.message}
    return render(request, "benefits/_claim_result.html", ctx)


@worker_page
def worker_mine(request):
    services.waitlist_settle()  # places given a moment ago are written first
    rows = []
    for claim in selectors.claims_of(user=request.user)[:100]:
        code = services.redemption_code(claim)
        rows.append({"claim": claim, "code": code, "qr": _qr_svg(code) if code else None,
                     "cancellable": claim.status in (ClaimStatus.CONFIRMED, ClaimStatus.WAITLISTED,
                                                     ClaimStatus.REGISTERED)})
    return render(request, "benefits/worker_mine.html", {"rows": rows})


@worker_page
@require_POST
def worker_cancel(request, claim_id: int):
    try:
        services.claim_cancel(request.user, claim_id=claim_id)
        messages.success(request, gettext("已取消，名额已让给候补的会员"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("benefits:worker_mine")


# --- staff console --------------------------------------------------------------------------------------------------

@staff_page
def console_list(request):
    page = Paginator(selectors.benefit_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "benefits/console_list.html", {"page": page})


LOCAL = {"type": "datetime-local"}


def _translated(choices) -> list:
    """Choices with their labels translated when shown (the models mark them with gettext_noop)."""
    return [(value, gettext_lazy(label)) for value, label in choices]


class BenefitForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("名称"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=_translated(BenefitKind.choices))
    units = forms.IntegerField(label=gettext_lazy("名额"), min_value=1)
    per_member_limit = forms.IntegerField(label=gettext_lazy("每人限领"), min_value=1, initial=1)
    mode = forms.ChoiceField(label=gettext_lazy("方式"), choices=_translated(BenefitMode.choices))
    release_at = forms.DateTimeField(label=gettext_lazy("开抢/报名开始"), widget=forms.DateTimeInput(attrs=LOCAL))
    closes_at = forms.DateTimeField(label=gettext_lazy("活动截止"), widget=forms.DateTimeInput(attrs=LOCAL))
    registration_closes_at = forms.DateTimeField(label=gettext_lazy("报名截止（抽签）"), required=False,
                                                 widget=forms.DateTimeInput(attrs=LOCAL))
    draw_at = forms.DateTimeField(label=gettext_lazy("开奖时间（抽签）"), required=False,
                                  widget=forms.DateTimeInput(attrs=LOCAL))
    eligible_occupations = forms.MultipleChoiceField(label=gettext_lazy("限定职业（不选为不限）"),
                                                     required=False, choices=_translated(Occupation.choices),
                                                     widget=forms.CheckboxSelectMultiple)
    eligible_honours = forms.MultipleChoiceField(label=gettext_lazy("限定荣誉（不选为不限）"), required=False,
                                                 choices=_translated(HonourKind.choices),
                                                 widget=forms.CheckboxSelectMultiple)
    redemption_place = forms.CharField(label=gettext_lazy("核销地点"), required=False, max_length=200)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


@staff_page
def console_create(request):
    form = BenefitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            benefit = services.benefit_create(request.user, **form.cleaned_data)
            messages.success(request, gettext("已发布"))
            return redirect("benefits:console_detail", benefit_id=benefit.pk)
        except DomainError as exc:
            for name, msg in (exc.fields or {"__all__": exc.message}).items():
                form.add_error(name if name in form.fields else None, msg)
    return render(request, "benefits/console_create.html", {"form": form})


class BenefitEditForm(BenefitForm):
    """The same fields as publishing, less the mode (fixed once published)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mode"]


@staff_page
def console_edit(request, benefit_id: int):
    benefit = selectors.benefit_get(user=request.user, benefit_id=benefit_id)
    initial = {f: getattr(benefit, f) for f in BenefitEditForm.base_fields if hasattr(benefit, f)}
    initial.update({f: timezone.localtime(v).strftime("%Y-%m-%dT%H:%M") for f, v in initial.items()
                    if isinstance(v, dt.datetime)})
    form = BenefitEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_update(request.user, benefit_id=benefit.pk, **form.cleaned_data)
            messages.success(request, gettext("已修改"))
            return redirect("benefits:console_detail", benefit_id=benefit.pk)
        except DomainError as exc:
            for name, msg in (exc.fields or {"__all__": exc.message}).items():
                form.add_error(name if name in form.fields else None, msg)
    return render(request, "benefits/console_edit.html", {"form": form, "benefit": benefit})


@staff_page
@require_POST
def console_withdraw(request, benefit_id: int):
    call_with_message(request, services.benefit_withdraw, gettext("已撤回"), benefit_id=benefit_id,
                      reason=request.POST.get("reason", ""))
    return redirect("benefits:console_detail", benefit_id=benefit_id)


@staff_page
def console_detail(request, benefit_id: int):
    services.waitlist_settle()
    benefit = selectors.benefit_get(user=request.user, benefit_id=benefit_id)
    claims = Paginator(selectors.claim_list(user=request.user, benefit_id=benefit_id), 50).get_page(
        request.GET.get("page"))
    refusals = selectors.refusal_list(user=request.user, benefit_id=benefit_id)[:20]
    return render(request, "benefits/console_detail.html", {
        "benefit": benefit, "stats": selectors.benefit_stats(benefit), "claims": claims, "refusals": refusals,
        "editable": selectors.benefit_editable(benefit)})


@staff_page
def console_live(request, benefit_id: int):
    services.waitlist_settle()
    benefit = selectors.benefit_get(user=request.user, benefit_id=benefit_id)
    return render(request, "benefits/_live.html", {"benefit": benefit, "stats": selectors.benefit_stats(benefit)})


@staff_page
def console_redeem(request):
    ctx: dict = {}
    if request.method == "POST":
        try:
            ctx["claim"] = services.claim_redeem(request.user, code=request.POST.get("code", ""),
                                                 place=request.POST.get("place", ""))
        except DomainError as exc:
            ctx["error"] = exc.message
        if request.headers.get("HX-Request"):
            return render(request, "benefits/_redeem_result.html", ctx)
    return render(request, "benefits/console_redeem.html", ctx)
