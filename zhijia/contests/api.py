"""Contests API: contests and rounds, registration, the question bank, the theory exam, practice scores,
publishing and advancing a round, rankings and certificates."""

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhijia.contests import selectors, services
from zhijia.contests.certificate import contest_certificate_pdf
from zhijia.contests.schemas import (
    AnswersIn,
    AttemptOut,
    CertificateCheck,
    ContestIn,
    ContestOut,
    CountOut,
    EntryIn,
    EntryOut,
    JudgeIn,
    MyEntryOut,
    QuestionIn,
    QuestionOut,
    ResultOut,
    RoundOut,
    RoundPatch,
    ScoreIn,
    ScoreOut,
)
from zhijia.core.identity import mask_name
from zhijia.core.pagination import PageNumber

router = Router(tags=["技能大赛 contests"])


@router.get("", response=list[ContestOut], summary="比赛（本级及下级主办，及本人担任裁判的）")
@paginate(PageNumber)
def contest_list(request):
    return selectors.contest_list(user=request.user)


@router.post("", response={201: ContestOut}, summary="创建比赛及其赛程（初赛、复赛、决赛）")
def contest_create(request, payload: ContestIn):
    data = payload.dict()
    rounds = list(data.pop("rounds") or [])
    contest = services.contest_create(request.user, union_id=data.pop("union"), rounds=rounds or None, **data)
    return Status(201, selectors.contest_get(user=request.user, contest_id=contest.pk))


@router.get("/open", response=list[ContestOut], summary="我可以报名的比赛（职工）")
def contest_list_open(request):
    return selectors.contest_list_open_to(user=request.user)


@router.get("/mine", response=list[MyEntryOut], summary="我的比赛：各赛程状态、已公布的成绩与名次、证书（职工）")
def entry_list_own(request):
    out = []
    for item in selectors.entry_list_own(user=request.user):
        entry = item["entry"]
        out.append({
            "id": entry.pk, "contest": entry.contest_id, "contest_title": entry.contest.title,
            "number": entry.number, "certificate": item["certificate"],
            "rounds": [{"round": s["round"].pk, "stage": s["round"].stage,
                        "stage_label": s["round"].get_stage_display(), "status": s["round"].status,
                        "reached": s["reached"], "exam_open": s["exam_open"],
                        "submitted": bool(s["attempt"] and s["attempt"].submitted_at), "result": s["result"]}
                       for s in item["stages"]]})
    return out


@router.get("/certificates/{number}", response=CertificateCheck, auth=None, summary="核验证书编号（公开）")
def certificate_verify(request, number: str):
    cert = selectors.certificate_verify(number=number)
    if cert is None:
        return {"valid": False, "number": number}
    return {"valid": True, "number": cert.number, "name": mask_name(cert.entry.worker.name),
            "contest": cert.entry.contest.title, "award": cert.award, "issued_on": cert.issued_on}


@router.get("/{contest_id}", response=ContestOut, summary="比赛详情")
def contest_detail(request, contest_id: int):
    return selectors.contest_get(user=request.user, contest_id=contest_id)


@router.get("/{contest_id}/rounds", response=list[RoundOut], summary="赛程")
def round_list(request, contest_id: int):
    return selectors.round_list(contest=selectors.contest_get(user=request.user, contest_id=contest_id))


@router.patch("/rounds/{round_id}", response=RoundOut, summary="修改赛程：权重、晋级规则、考试时间、组卷规则")
def round_update(request, round_id: int, payload: RoundPatch):
    return services.round_update(request.user, round_id=round_id, **payload.dict(exclude_unset=True))


@router.post("/{contest_id}/entries", response={201: EntryOut}, summary="报名（职工本人；工作人员代报名时填 worker）")
def entry_register(request, contest_id: int, payload: EntryIn):
    return Status(201, services.entry_register(request.user, contest_id=contest_id, worker_id=payload.worker))


@router.get("/{contest_id}/entries", response=list[EntryOut], summary="报名名单")
@paginate(PageNumber)
def entry_list(request, contest_id: int, q: str | None = None):
    return selectors.entry_list(user=request.user, contest_id=contest_id, q=q)


@router.post("/{contest_id}/judges", response={201: dict}, summary="指定裁判")
def judge_assign(request, contest_id: int, payload: JudgeIn):
    judge = services.judge_assign(request.user, contest_id=contest_id, user_id=payload.user)
    return Status(201, {"id": judge.pk, "user": judge.user_id})


@router.get("/{contest_id}/questions", response=list[QuestionOut], summary="题库")
@paginate(PageNumber)
def question_list(request, contest_id: int):
    return selectors.question_list(user=request.user, contest_id=contest_id)


@router.post("/{contest_id}/questions", response={201: QuestionOut}, summary="新增试题")
def question_create(request, contest_id: int, payload: QuestionIn):
    return Status(201, services.question_create(request.user, contest_id=contest_id, **payload.dict()))


@router.post("/{contest_id}/questions/import", response={201: CountOut},
             summary="从Excel导入题库（分类、题型、题干、选项A…F、答案、分值；整表有误则不导入）")
def question_import(request, contest_id: int, file: File[UploadedFile]):
    return Status(201, {"count": services.question_import(request.user, contest_id=contest_id, content=file.read())})


def _attempt_out(attempt):
    seconds = int((attempt.deadline - timezone.now()).total_seconds()) if attempt.submitted_at is None else 0
    return {"round": attempt.round_id, "started_at": attempt.started_at, "deadline": attempt.deadline,
            "seconds_left": max(seconds, 0), "submitted_at": attempt.submitted_at, "seed": attempt.seed,
            "questions": selectors.paper(attempt),
            "score": attempt.score if attempt.round.status != "open" else None}


@router.post("/rounds/{round_id}/exam", response=AttemptOut, summary="开始（或继续）理论考试：返回本人试卷")
def exam_start(request, round_id: int):
    services.exam_start(request.user, round_id=round_id)
    return _attempt_out(selectors.attempt_own(user=request.user, round_id=round_id))


@router.get("/rounds/{round_id}/exam", response=AttemptOut, summary="本人试卷与作答")
def exam_get(request, round_id: int):
    return _attempt_out(selectors.attempt_own(user=request.user, round_id=round_id))


@router.post("/rounds/{round_id}/exam/answers", response=AttemptOut,
             summary="保存答案（submit=true 交卷）；超过考试时间的答案被拒绝（409）")
def exam_answer(request, round_id: int, payload: AnswersIn):
    services.exam_answer(request.user, round_id=round_id, answers=payload.answers, submit=payload.submit)
    return _attempt_out(selectors.attempt_own(user=request.user, round_id=round_id))


@router.post("/rounds/{round_id}/scores", response={201: ScoreOut}, summary="裁判录入实操成绩（更正须填原因）")
def practice_score_enter(request, round_id: int, payload: ScoreIn):
    return Status(201, services.practice_score_enter(request.user, round_id=round_id, entry_id=payload.entry,
                                                     score=payload.score, reason=payload.reason))


@router.post("/rounds/{round_id}/publish", response=CountOut, summary="公布本赛程成绩（计算总分与名次）")
def round_publish(request, round_id: int):
    return {"count": services.round_publish(request.user, round_id=round_id)}


@router.post("/rounds/{round_id}/advance", response=CountOut, summary="按晋级规则晋级到下一赛程")
def round_advance(request, round_id: int):
    return {"count": services.round_advance(request.user, round_id=round_id)}


@router.get("/rounds/{round_id}/rankings", response=list[ResultOut], summary="赛程排名（并列同名次：1,2,2,4）")
@paginate(PageNumber)
def rankings(request, round_id: int):
    return selectors.ranking(user=request.user, round_id=round_id)[1]


@router.get("/entries/{entry_id}/certificate.pdf", summary="证书PDF")
def certificate_pdf(request, entry_id: int):
    cert = selectors.certificate_get(user=request.user, entry_id=entry_id)
    response = HttpResponse(contest_certificate_pdf(cert, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    return response
