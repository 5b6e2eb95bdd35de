"""Selections and honours API: selections and their stages, candidates, the public vote, expert scores, results,
objections during the public notice, honours."""

from ninja import Router, Status
from ninja.pagination import paginate

from zhijia.core.http import client_ip
from zhijia.core.pagination import PageNumber
from zhijia.honors import selectors, services
from zhijia.honors.schemas import (
    CandidateIn,
    CandidateOut,
    ConflictIn,
    CriteriaIn,
    CriterionOut,
    ExpertIn,
    HonourIn,
    HonourOut,
    ObjectionIn,
    ObjectionOut,
    ObjectionResolveIn,
    ResultsOut,
    ReviewIn,
    ReviewOut,
    ScoresIn,
    SelectionIn,
    SelectionOut,
    SelfNominationIn,
    VoteIn,
    VoteOut,
    VoteRow,
    VotesReviewIn,
)

router = Router(tags=["评选表彰 honors"])


@router.post("/selections", response={201: SelectionOut}, summary="新建评选（环节、每人每日票数、各环节时间）")
def selection_create(request, payload: SelectionIn):
    data = payload.dict()
    return Status(201, services.selection_create(request.user, union_id=data.pop("union"), **data))


@router.get("/selections", response=list[SelectionOut], summary="评选列表（主办或参与的）")
@paginate(PageNumber)
def selection_list(request, stage: str | None = None):
    return selectors.selection_list(user=request.user, stage=stage)


@router.get("/selections/voting", response=list[SelectionOut], summary="正在投票的评选（职工）")
def selection_voting(request):
    return selectors.voting_selections(user=request.user)


@router.get("/selections/{selection_id}", response=SelectionOut, summary="评选详情")
def selection_detail(request, selection_id: int):
    return selectors.selection_get(user=request.user, selection_id=selection_id)


@router.post("/selections/{selection_id}/advance", response=SelectionOut, summary="进入下一环节")
def selection_advance(request, selection_id: int):
    return services.selection_advance(request.user, selection_id=selection_id)


@router.post("/selections/{selection_id}/candidates", response={201: CandidateOut}, summary="工会推荐候选人")
def candidate_nominate(request, selection_id: int, payload: CandidateIn):
    data = payload.dict()
    return Status(201, services.candidate_nominate(request.user, selection_id=selection_id, union_id=data.pop("union"),
                                                   worker_id=data.pop("worker"), **data))


@router.post("/selections/{selection_id}/self-nominations", response={201: CandidateOut}, summary="会员自荐")
def candidate_self_nominate(request, selection_id: int, payload: SelfNominationIn):
    return Status(201, services.candidate_self_nominate(request.user, selection_id=selection_id, **payload.dict()))


@router.get("/selections/{selection_id}/candidates", response=list[CandidateOut], summary="候选人")
@paginate(PageNumber)
def candidate_list(request, selection_id: int, status: str | None = None, q: str | None = None):
    selection = selectors.selection_get(user=request.user, selection_id=selection_id)
    return selectors.candidate_list(user=request.user, selection=selection, status=status, q=q)


@router.get("/candidates/{candidate_id}", response=CandidateOut, summary="候选人详情（公开：已通过审核的）")
def candidate_detail(request, candidate_id: int):
    if getattr(request.user, "is_union_staff", False):
        return selectors.candidate_get(user=request.user, candidate_id=candidate_id)
    return selectors.public_candidate_get(candidate_id=candidate_id)


@router.post("/candidates/{candidate_id}/endorse", response=CandidateOut, summary="工会推荐会员的自荐")
def candidate_endorse(request, candidate_id: int):
    return services.candidate_endorse(request.user, candidate_id=candidate_id)


@router.post("/candidates/{candidate_id}/review", response=ReviewOut, summary="资料审核（按清单，未通过须写理由）")
def candidate_review(request, candidate_id: int, payload: ReviewIn):
    return services.candidate_review(request.user, candidate_id=candidate_id, **payload.dict())


@router.post("/candidates/{candidate_id}/votes", response={201: VoteOut}, summary="投票（在会会员）")
def vote_cast(request, candidate_id: int, payload: VoteIn | None = None):
    device = (payload.device_id if payload else "") or request.headers.get("X-Device-Id", "")
    vote, left = services.vote_cast(request.user, candidate_id=candidate_id, ip=client_ip(request), device_id=device)
    return Status(201, {"id": vote.pk, "candidate": vote.candidate_id, "status": vote.status, "remaining_today": left,
                        "signals": vote.signals})


@router.get("/selections/{selection_id}/quarantine", response=list[VoteRow], summary="待复核的投票")
@paginate(PageNumber)
def quarantine_list(request, selection_id: int):
    selection = selectors.selection_get(user=request.user, selection_id=selection_id)
    return selectors.quarantine_list(user=request.user, selection=selection)


@router.post("/selections/{selection_id}/quarantine/decide", response=dict, summary="复核投票：有效或无效")
def votes_review(request, selection_id: int, payload: VotesReviewIn):
    n = services.votes_review(request.user, selection_id=selection_id, vote_ids=payload.votes, accept=payload.accept,
                              note=payload.note)
    return {"decided": n}


@router.put("/selections/{selection_id}/criteria", response=list[CriterionOut], summary="设置评审指标和权重")
def criteria_set(request, selection_id: int, payload: CriteriaIn):
    return services.criteria_set(request.user, selection_id=selection_id,
                                 criteria=[c.dict() for c in payload.criteria])


@router.post("/selections/{selection_id}/experts", response={201: dict}, summary="添加评审专家")
def expert_add(request, selection_id: int, payload: ExpertIn):
    expert = services.expert_add(request.user, selection_id=selection_id, user_id=payload.user)
    return Status(201, {"id": expert.pk, "user": expert.user_id})


@router.post("/candidates/{candidate_id}/conflicts", response={201: dict}, summary="专家声明利益冲突（回避）")
def conflict_declare(request, candidate_id: int, payload: ConflictIn):
    conflict = services.conflict_declare(request.user, candidate_id=candidate_id, reason=payload.reason)
    return Status(201, {"id": conflict.pk, "candidate": candidate_id})


@router.post("/candidates/{candidate_id}/scores", response={201: dict}, summary="专家评分 {指标: 分数}")
def scores_submit(request, candidate_id: int, payload: ScoresIn):
    scores = services.scores_submit(request.user, candidate_id=candidate_id, scores=payload.scores)
    return Status(201, {"candidate": candidate_id, "scores": {s.criterion.name: float(s.value) for s in scores}})


@router.get("/selections/{selection_id}/results", response=ResultsOut, summary="结果：票数、专家评分、综合得分、名次")
def results(request, selection_id: int):
    return selectors.selection_results(user=request.user, selection_id=selection_id)


@router.post("/candidates/{candidate_id}/objections", response={201: ObjectionOut}, summary="公示期提出异议")
def objection_raise(request, candidate_id: int, payload: ObjectionIn):
    return Status(201, services.objection_raise(request.user, candidate_id=candidate_id, **payload.dict()))


@router.post("/objections/{objection_id}/resolve", response=ObjectionOut, summary="处理公示异议")
def objection_resolve(request, objection_id: int, payload: ObjectionResolveIn):
    return services.objection_resolve(request.user, objection_id=objection_id, **payload.dict())


@router.post("/honours", response={201: HonourOut}, summary="登记职工荣誉（劳模、先进工作者等）")
def honour_record(request, payload: HonourIn):
    data = payload.dict()
    return Status(201, services.honour_record(request.user, worker_id=data.pop("worker"), **data))


@router.get("/honours", response=list[HonourOut], summary="荣誉名录（本级及下级）")
@paginate(PageNumber)
def honour_list(request, kind: str | None = None, year: int | None = None):
    return selectors.honour_list(user=request.user, kind=kind, year=year)


@router.get("/honours/mine", response=list[HonourOut], summary="我的荣誉")
def honours_mine(request):
    worker = services.worker_of(request.user)
    return selectors.worker_honours(worker)


