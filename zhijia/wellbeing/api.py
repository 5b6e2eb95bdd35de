"""Wellbeing API: self-assessments, slots and bookings, quick consultations, notes, crisis flags, reports."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from ninja.utils import check_csrf

from zhijia.accounts.services import api_token_user
from zhijia.core.errors import PermissionDenied
from zhijia.core.pagination import PageNumber
from zhijia.wellbeing import reports, selectors, services
from zhijia.wellbeing.scales import SCALES
from zhijia.wellbeing.schemas import (
    AssessmentIn,
    AssessmentOut,
    BookingIn,
    BookingOut,
    ConsultationIn,
    ConsultationOut,
    CounsellorConsultationOut,
    CounsellorIn,
    CounsellorOut,
    CounsellorStationIn,
    CrisisFlagOut,
    MarkIn,
    NoteIn,
    NoteOut,
    RatingIn,
    ShareIn,
    SlotIn,
    SlotOut,
)

router = Router(tags=["心理关爱 wellbeing"])


def assessment_out(a, *, with_id: bool = True) -> dict:
    band = SCALES[a.scale].band_for(a.score)
    return {"id": a.pk if with_id else None, "scale": a.scale, "score": a.score, "band": a.band,
            "band_label": band.label, "advice": band.advice, "crisis": a.crisis,
            "hotlines": [{"number": n, "name": label} for n, label in services.hotlines()] if a.crisis else [],
            "created_at": a.created_at if with_id else None,
            "shared_with": a.shared_with_id if with_id else None}


def _optional_user(request):
    """Anonymous assessments need no sign-in; a bearer token or session still identifies a worker who wants one."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = api_token_user(header[7:].strip())
        if user is None:
            raise AuthenticationError()
        return user
    if request.user.is_authenticated:
        # A session is only trusted with its CSRF token, as for every other session call of the API.
        if check_csrf(request) is not None:
            raise PermissionDenied(_("CSRF校验失败，请刷新页面后重试"))
        return request.user
    return None


@router.post("/assessments", response={201: AssessmentOut}, auth=None, summary="提交心理测评（可匿名）")
def assessment_submit(request, payload: AssessmentIn):
    user = None if payload.anonymous else _optional_user(request)
    assessment = services.assessment_submit(user, scale=payload.scale, answers=payload.answers,
                                            anonymous=payload.anonymous)
    # An anonymous result gets no id back either: there is nothing to look it up by later.
    return Status(201, assessment_out(assessment, with_id=not payload.anonymous))


@router.get("/assessments", response=list[AssessmentOut], summary="我的测评记录")
@paginate(PageNumber)
def assessment_list(request):
    return [assessment_out(a) for a in selectors.assessment_list_own(user=request.user)]


@router.get("/assessments/{assessment_id}", response=AssessmentOut, summary="测评详情（本人或被分享的咨询师）")
def assessment_detail(request, assessment_id: int):
    return assessment_out(selectors.assessment_get(user=request.user, assessment_id=assessment_id))


@router.post("/assessments/{assessment_id}/share", response=AssessmentOut, summary="分享给咨询师（null 撤回）")
def assessment_share(request, assessment_id: int, payload: ShareIn):
    return assessment_out(services.assessment_share(request.user, assessment_id=assessment_id,
                                                    counsellor_id=payload.counsellor))


@router.post("/counsellors", response={201: CounsellorOut}, summary="登记心理咨询师")
def counsellor_register(request, payload: CounsellorIn):
    data = payload.dict()
    return Status(201, services.counsellor_register(request.user, union_id=data.pop("union"),
                                                    station_id=data.pop("station"), **data))


@router.patch("/counsellors/{counsellor_id}", response=CounsellorOut, summary="调整咨询师所驻心灵驿站")
def counsellor_station_set(request, counsellor_id: int, payload: CounsellorStationIn):
    return services.counsellor_station_set(request.user, counsellor_id=counsellor_id, station_id=payload.station)


@router.get("/slots", response=list[SlotOut], summary="可预约时段")
@paginate(PageNumber)
def slot_list(request, mode: str | None = None, counsellor: int | None = None, days: int = 14):
    return selectors.slot_list(mode=mode, counsellor_id=counsellor, days=max(1, min(days, 60)))


@router.post("/slots", response={201: SlotOut}, summary="咨询师发布时段")
def slot_publish(request, payload: SlotIn):
    return Status(201, services.slot_publish(request.user, **payload.dict()))


@router.post("/bookings", response={201: BookingOut}, summary="预约（被占用时返回409）")
def booking_create(request, payload: BookingIn):
    return Status(201, services.booking_create(request.user, slot_id=payload.slot))


@router.get("/bookings", response=list[BookingOut], summary="我的预约")
@paginate(PageNumber)
def booking_list(request):
    return selectors.booking_list_own(user=request.user)


@router.post("/bookings/{booking_id}/cancel", response=BookingOut, summary="取消预约")
def booking_cancel(request, booking_id: int):
    return services.booking_cancel(request.user, booking_id=booking_id)


@router.post("/bookings/{booking_id}/rating", response=BookingOut, summary="评价咨询")
def booking_rate(request, booking_id: int, payload: RatingIn):
    return services.booking_rate(request.user, booking_id=booking_id, rating=payload.rating,
                                 comment=payload.comment)


@router.post("/bookings/{booking_id}/outcome", response=BookingOut, summary="咨询师登记完成或未到")
def booking_mark(request, booking_id: int, payload: MarkIn):
    return services.booking_mark(request.user, booking_id=booking_id, outcome=payload.outcome)


@router.put("/bookings/{booking_id}/note", response=NoteOut, summary="咨询记录（仅本咨询师）")
def note_write(request, booking_id: int, payload: NoteIn):
    return services.session_note_write(request.user, booking_id=booking_id, body=payload.body)


@router.get("/bookings/{booking_id}/note", response=NoteOut, summary="读取咨询记录（仅本咨询师）")
def note_get(request, booking_id: int):
    return selectors.session_note_get(user=request.user, booking_id=booking_id)


def consultation_out(c) -> dict:
    return {"id": c.pk, "status": c.status, "created_at": c.created_at,
            "counsellor_name": c.counsellor.name if c.counsellor_id else None, **selectors.consultation_wait(c)}


@router.post("/consultations", response={201: ConsultationOut}, summary="极速问诊：排队")
def consultation_ask(request, payload: ConsultationIn):
    return Status(201, consultation_out(services.consultation_ask(request.user, topic=payload.topic)))


@router.get("/consultations/mine", response={200: ConsultationOut, 204: None}, summary="我的问诊与等待时间")
def consultation_mine(request):
    c = selectors.consultation_open_own(user=request.user)
    return Status(200, consultation_out(c)) if c else Status(204, None)


@router.post("/consultations/take", response={200: CounsellorConsultationOut, 204: None},
             summary="咨询师接起下一个问诊")
def consultation_take(request):
    c = services.consultation_take_next(request.user)
    if c is None:
        return Status(204, None)
    return Status(200, {"id": c.pk, "topic": c.topic, "worker_name": c.worker.name, "created_at": c.created_at,
                        "taken_at": c.taken_at})


@router.post("/consultations/{consultation_id}/close", response=ConsultationOut, summary="结束问诊")
def consultation_close(request, consultation_id: int):
    return consultation_out(services.consultation_close(request.user, consultation_id=consultation_id))


@router.get("/crisis-flags", response=list[CrisisFlagOut], summary="危机预警（工作人员：仅时间与状态）")
@paginate(PageNumber)
def crisis_flag_list(request):
    return [{"id": f.pk, "union": f.union.name if f.union else None, "raised_at": f.raised_at, "due_at": f.due_at,
             "acknowledged_at": f.acknowledged_at, "escalation_level": f.escalation_level}
            for f in selectors.crisis_flag_list(user=request.user)]


@router.post("/crisis-flags/{flag_id}/acknowledge", response=CrisisFlagOut, summary="咨询师确认危机预警")
def crisis_flag_acknowledge(request, flag_id: int):
    f = services.crisis_flag_acknowledge(request.user, flag_id=flag_id)
    return {"id": f.pk, "union": f.union.name if f.union else None, "raised_at": f.raised_at, "due_at": f.due_at,
            "acknowledged_at": f.acknowledged_at, "escalation_level": f.escalation_level}


@router.get("/report", summary="统计（匿名汇总）")
def report(request):
    return selectors.wellbeing_report(user=request.user)


@router.get("/report.xlsx", summary="统计导出 Excel")
def report_xlsx(request) -> HttpResponse:
    return reports.report_xlsx_response(user=request.user)
