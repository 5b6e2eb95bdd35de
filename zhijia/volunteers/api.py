"""Volunteers API: registry, calls, deployments in batches, shifts, stats."""

from ninja import Router, Status
from ninja.pagination import paginate

from zhijia.core.pagination import PageNumber
from zhijia.volunteers import selectors, services
from zhijia.volunteers.schemas import (
    CallIn,
    CallOut,
    DeploymentIn,
    DeploymentOut,
    ShiftOut,
    ShiftRecordIn,
    StatsOut,
    VolunteerIn,
    VolunteerOut,
)

router = Router(tags=["志愿服务 volunteers"])


@router.post("/me", response=VolunteerOut, summary="报名成为志愿者（或更新）")
def volunteer_register(request, payload: VolunteerIn):
    return services.volunteer_register(request.user, **payload.dict())


@router.get("", response=list[VolunteerOut], summary="志愿者名册（本级及下级）")
@paginate(PageNumber)
def volunteer_list(request, q: str | None = None, skill: str | None = None):
    return selectors.volunteer_list(user=request.user, q=q, skill=skill)


@router.post("/calls", response={201: CallOut}, summary="发布志愿者招募")
def call_create(request, payload: CallIn):
    data = payload.dict()
    return Status(201, services.volunteer_call_create(request.user, union_id=data.pop("union"), **data))


@router.get("/calls", response=list[CallOut], summary="招募中的任务")
@paginate(PageNumber)
def call_list(request):
    return selectors.call_list_open(user=request.user)


@router.post("/calls/{call_id}/signup", response={201: dict}, summary="报名招募")
def call_signup(request, call_id: int):
    signup = services.call_signup(request.user, call_id=call_id)
    return Status(201, {"id": signup.pk, "call": call_id})


@router.post("/deployments", response={201: DeploymentOut}, summary="下沉：按批次派出志愿者")
def deployment_create(request, payload: DeploymentIn):
    data = payload.dict()
    deployment = services.deployment_create(request.user, union_id=data.pop("union"), call_id=data.pop("call"),
                                            **data)
    return Status(201, selectors.deployment_list(user=request.user).get(pk=deployment.pk))


@router.get("/deployments", response=list[DeploymentOut], summary="下沉批次（本级及下级）")
@paginate(PageNumber)
def deployment_list(request):
    return selectors.deployment_list(user=request.user)


@router.get("/deployments/{deployment_id}", response=DeploymentOut, summary="下沉批次详情")
def deployment_detail(request, deployment_id: int):
    deployment = selectors.deployment_get(user=request.user, deployment_id=deployment_id)
    return selectors.deployment_list(user=request.user).get(pk=deployment.pk)


@router.get("/shifts/mine", response=list[ShiftOut], summary="我的班次")
def shift_list_own(request):
    return list(selectors.shift_list_own(user=request.user))


@router.post("/shifts/{shift_id}/sign-in", response=ShiftOut, summary="签到")
def shift_sign_in(request, shift_id: int):
    return services.shift_sign_in(request.user, shift_id=shift_id)


@router.post("/shifts/{shift_id}/sign-out", response=ShiftOut, summary="签退")
def shift_sign_out(request, shift_id: int):
    return services.shift_sign_out(request.user, shift_id=shift_id)


@router.put("/shifts/{shift_id}", response=ShiftOut, summary="工作人员补录签到签退")
def shift_record(request, shift_id: int, payload: ShiftRecordIn):
    return services.shift_record(request.user, shift_id=shift_id, **payload.dict())


@router.get("/stats", response=StatsOut, summary="批次、人次、时长（本级及下级）")
def stats(request):
    return selectors.volunteer_stats(user=request.user)
