"""Online sports challenge API: challenges, joining, exercise entries, the daily quiz, my points and rank,
leaderboards of people and unions, flagged entries, ledger corrections, close and prizes."""

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhijia.challenge import selectors, services
from zhijia.challenge.models import Challenge, EntryStatus, ExerciseEntry
from zhijia.challenge.schemas import (
    AnswerIn,
    AnswerOut,
    ChallengeIn,
    ChallengeOut,
    EntryIn,
    EntryOut,
    FlagOut,
    ParticipantOut,
    PersonRow,
    PointOut,
    PrizeOut,
    QuestionIn,
    QuizTodayOut,
    ReverseIn,
    ReviewIn,
    StandingOut,
    UnionBoardOut,
)
from zhijia.core.errors import ValidationFailed
from zhijia.core.pagination import PageNumber
from zhijia.orgs.selectors import require_staff

router = Router(tags=["运动挑战赛 challenge"])


def _out(challenge: Challenge, *, joined: bool = False) -> Challenge:
    challenge.rule_list = sorted(challenge.rules.all(), key=lambda r: r.pk)  # prefetched by the list selectors
    challenge.joined = joined
    return challenge


def _entry_out(entry: ExerciseEntry) -> ExerciseEntry:
    entry.capped = entry.status in (EntryStatus.COUNTED, EntryStatus.APPROVED) and \
        entry.points_awarded < entry.points_claimed
    entry.photo_url = entry.photo.url if entry.photo else None
    return entry


@router.get("", response=list[ChallengeOut], summary="挑战赛列表（职工：可参加的；工作人员：本级及下级主办的）")
def challenge_list(request):
    if getattr(request.user, "is_union_staff", False):
        return [_out(c) for c in selectors.challenge_list(user=request.user)[:200]]
    return [_out(c, joined=c.me is not None) for c in selectors.challenge_list_for_worker(user=request.user)]


@router.post("", response={201: ChallengeOut}, summary="新建挑战赛（规则缺省时用默认规则）")
def challenge_create(request, payload: ChallengeIn):
    data = payload.dict()
    rules = data.pop("rules")
    challenge = services.challenge_create(request.user, union_id=data.pop("union"), rules=rules, **data)
    return Status(201, _out(challenge))


@router.get("/{challenge_id}", response=ChallengeOut, summary="挑战赛详情与计分规则")
def challenge_detail(request, challenge_id: int):
    challenge = selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    joined = not getattr(request.user, "is_union_staff", False) and selectors.participant_own(
        user=request.user, challenge_id=challenge_id) is not None
    return _out(challenge, joined=joined)


@router.post("/{challenge_id}/join", response={201: ParticipantOut}, summary="报名参赛（在会会员）")
def challenge_join(request, challenge_id: int):
    return Status(201, services.challenge_join(request.user, challenge_id=challenge_id))


@router.post("/{challenge_id}/entries", response={201: EntryOut},
             summary="运动打卡（multipart/form-data：date、kind、steps 或 minutes、distance_km，可附 photo）")
def entry_create(request, challenge_id: int, data: Form[EntryIn], photo: File[UploadedFile] = None):
    entry = services.exercise_log(request.user, challenge_id=challenge_id, date=data.date or timezone.localdate(),
                                  kind=data.kind, steps=data.steps, minutes=data.minutes,
                                  distance_km=data.distance_km, photo=photo)
    return Status(201, _entry_out(entry))


@router.get("/{challenge_id}/entries/mine", response=list[EntryOut], summary="我的运动打卡")
def entry_list_own(request, challenge_id: int):
    participant = selectors.participant_required(user=request.user, challenge_id=challenge_id)
    return [_entry_out(e) for e in selectors.entries_own(participant=participant, limit=100)]


@router.get("/{challenge_id}/quiz/today", response=QuizTodayOut, summary="今日答题")
def quiz_today(request, challenge_id: int):
    participant, day, questions = services.quiz_draw(request.user, challenge_id=challenge_id)
    answers = selectors.quiz_answers_today(participant=participant)
    items = []
    for q in questions:
        a = answers.get(q.pk)
        items.append({"id": q.pk, "text": q.text, "choices": q.choices, "answered": a is not None,
                      "choice": a.choice if a else None, "correct": a.correct if a else None})
    challenge = participant.challenge
    return {"date": day.date, "points_per_correct": challenge.quiz_points_per_correct,
            "daily_cap": challenge.quiz_daily_cap, "points_today": sum(a.points_awarded for a in answers.values()),
            "questions": items}


@router.post("/{challenge_id}/quiz/answers", response={201: AnswerOut}, summary="提交一道题的答案")
def quiz_answer(request, challenge_id: int, payload: AnswerIn):
    return Status(201, services.quiz_answer(request.user, challenge_id=challenge_id, question_id=payload.question,
                                            choice=payload.choice))


@router.post("/{challenge_id}/questions", response={201: dict}, summary="题库：添加题目")
def question_add(request, challenge_id: int, payload: QuestionIn):
    q = services.quiz_question_add(request.user, challenge_id=challenge_id, **payload.dict())
    return Status(201, {"id": q.pk})


@router.get("/{challenge_id}/me", response=StandingOut, summary="我的贡献值与排名（同分同名次）")
def my_standing(request, challenge_id: int):
    participant = selectors.participant_required(user=request.user, challenge_id=challenge_id)
    return selectors.participant_standing(participant=participant)


@router.get("/{challenge_id}/me/points", response=list[PointOut], summary="我的贡献值流水")
@paginate(PageNumber)
def my_points(request, challenge_id: int):
    participant = selectors.participant_required(user=request.user, challenge_id=challenge_id)
    return selectors.ledger_own(participant=participant)


@router.get("/{challenge_id}/leaderboard/people", response=list[PersonRow],
            summary="个人排行榜（同分同名次，先达到者在前；姓名脱敏）")
def leaderboard_people(request, challenge_id: int, limit: int = 100, offset: int = 0):
    selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    if not 1 <= limit <= 200:
        raise ValidationFailed.field("limit", _("limit 应在1到200之间"))
    if offset < 0:
        raise ValidationFailed.field("offset", _("offset 不能为负"))
    return selectors.leaderboard_people(challenge_id=challenge_id, limit=limit, offset=offset)


@router.get("/{challenge_id}/leaderboard/unions", response=UnionBoardOut,
            summary="工会排行榜（by=average 人均贡献值，默认，参赛满5人的工会；by=total 合计）")
def leaderboard_unions(request, challenge_id: int, by: str = "average", min_participants: int | None = None):
    selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    return {"by": by, "items": selectors.leaderboard_unions(challenge_id=challenge_id, by=by,
                                                            min_participants=min_participants)}


@router.get("/{challenge_id}/flags", response=list[FlagOut], summary="存疑打卡（待审核）")
@paginate(PageNumber)
def flag_list(request, challenge_id: int, status: str = EntryStatus.FLAGGED):
    return [_entry_out(e) for e in selectors.flagged_entries(user=request.user, challenge_id=challenge_id,
                                                              status=status)[:500]]


@router.post("/entries/{entry_id}/review", response=FlagOut, summary="审核存疑打卡（approve / reject）")
def entry_review(request, entry_id: int, payload: ReviewIn):
    return _entry_out(services.entry_review(request.user, entry_id=entry_id, decision=payload.decision,
                                            note=payload.note))


@router.get("/{challenge_id}/ledger", response=list[PointOut], summary="贡献值流水（工作人员）")
@paginate(PageNumber)
def ledger(request, challenge_id: int, participant: int | None = None):
    return selectors.ledger_list(user=request.user, challenge_id=challenge_id, participant_id=participant)


@router.post("/points/{point_entry_id}/reverse", response={201: PointOut}, summary="冲正一条流水（追加反向记录）")
def point_reverse(request, point_entry_id: int, payload: ReverseIn):
    return Status(201, services.point_entry_reverse(request.user, point_entry_id=point_entry_id, reason=payload.reason))


@router.post("/{challenge_id}/close", response={201: list[PrizeOut]}, summary="结束挑战赛并为前N名颁奖")
def challenge_close(request, challenge_id: int):
    services.challenge_close(request.user, challenge_id=challenge_id)
    return Status(201, list(selectors.prize_list(challenge_id=challenge_id)))


@router.get("/{challenge_id}/prizes", response=list[PrizeOut], summary="获奖名单（工作人员）")
def prize_list(request, challenge_id: int):
    require_staff(request.user)
    selectors.challenge_get(user=request.user, challenge_id=challenge_id)
    return list(selectors.prize_list(challenge_id=challenge_id))

