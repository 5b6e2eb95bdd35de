"""Writes of the contests subsystem: one use case per function, one transaction each, scope checked inside.

Concurrency:
- Registrations lock the contest row (`select_for_update`), so the capacity and the entrant numbers hold under
  concurrent registrations; the unique (contest, worker) constraint refuses a second registration.
- Starting an exam locks the entry row, so two clicks give one paper; the unique (round, entry) holds it too.
- Answers lock the attempt row; the deadline is checked after the lock, against the server's clock.
- Publishing and advancing lock the round row; a second publish or advance finds the new status and is refused.
- A judge's score: unique (round, entry, judge); a second score is a correction with a reason, under a row lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhijia.accounts.models import Role, User
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.contests.models import (
    STAGE_ORDER,
    AdvanceRule,
    Certificate,
    Contest,
    ContestJudge,
    ContestKind,
    Entry,
    ExamAttempt,
    PracticeScore,
    Question,
    QuestionKind,
    Round,
    RoundResult,
    RoundStatus,
    Stage,
)
from zhijia.contests.paper import paper_draw
from zhijia.contests.ranking import competition_ranks
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.members.models import MembershipStatus, Worker
from zhijia.members.selectors import current_membership, member_in_good_standing, worker_for_user
from zhijia.orgs.models import Occupation, Union
from zhijia.orgs.selectors import in_scope, require_staff

ORGANISERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
LETTERS = "ABCDEFGH"
TWO = Decimal("0.01")


def exam_grace() -> dt.timedelta:
    """Answers arriving this long after the deadline still count (the network, not the entrant, was late)."""
    return dt.timedelta(seconds=getattr(settings, "CONTESTS_EXAM_GRACE_SECONDS", 30))


def _local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


# --- contests and rounds ----------------------------------------------------------------------------------------


def _organiser_contest(actor, contest_id: int, *, lock: bool = False) -> Contest:
    require_staff(actor, roles=ORGANISERS)
    qs = Contest.objects.select_related("union")
    if lock:
        qs = qs.select_for_update(of=("self",))
    contest = qs.filter(pk=contest_id).first()
    if contest is None or not in_scope(actor, contest.union):
        raise NotFound(_("比赛不存在"))
    return contest


def _organiser_round(actor, round_id: int) -> Round:
    require_staff(actor, roles=ORGANISERS)
    # Locks the round: publish and advance are serialised per round.
    rnd = Round.objects.select_for_update(of=("self",)).select_related("contest__union").filter(pk=round_id).first()
    if rnd is None or not in_scope(actor, rnd.contest.union):
        raise NotFound(_("赛程不存在"))
    return rnd


def _clean_round(data: dict, prefix: str) -> dict:
    def bad(name: str, message: str):
        raise ValidationFailed.field(f"{prefix}{name}", message)

    tw, pw = data.get("theory_weight", 40), data.get("practice_weight", 60)
    if not (isinstance(tw, int) and isinstance(pw, int) and 0 <= tw <= 100 and 0 <= pw <= 100):
        bad("theory_weight", _("理论和实操权重应为0到100的整数"))
    if tw + pw != 100:
        bad("theory_weight", _("理论权重与实操权重之和应为100（现为%(sum)s）") % {"sum": tw + pw})
    rule = data.get("advance_rule", AdvanceRule.TOP_N)
    if rule not in AdvanceRule.values:
        bad("advance_rule", _("晋级规则应为 top_n、top_percent 或 min_score"))
    value = data.get("advance_value")
    if value is not None:
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            bad("advance_value", _("晋级规则数值应为数字"))
        if rule == AdvanceRule.TOP_N and (value < 1 or value != value.to_integral_value()):
            bad("advance_value", _("晋级人数应为正整数"))
        if rule == AdvanceRule.TOP_PERCENT and not (0 < value <= 100):
            bad("advance_value", _("晋级比例应在0到100之间"))
        if rule == AdvanceRule.MIN_SCORE and not (0 <= value <= 100):
            bad("advance_value", _("分数线应在0到100之间"))
    opens, closes = data.get("exam_opens_at"), data.get("exam_closes_at")
    if (opens is None) != (closes is None):
        bad("exam_closes_at", _("请同时填写理论考试的开始和截止时间"))
    if opens is not None and closes <= opens:
        bad("exam_closes_at", _("理论考试截止时间应晚于开始时间"))
    minutes = data.get("exam_minutes", 30)
    if not isinstance(minutes, int) or not 1 <= minutes <= 600:
        bad("exam_minutes", _("答题时长应为1到600分钟"))
    practice_max = data.get("practice_max", Decimal(100))
    try:
        practice_max = Decimal(str(practice_max))
    except InvalidOperation:
        bad("practice_max", _("实操满分应为数字"))
    if not Decimal(0) < practice_max <= Decimal(1000):
        bad("practice_max", _("实操满分应在0到1000之间"))
    spec = data.get("paper_spec") or {}
    if not isinstance(spec, dict) or any(not str(k).strip() or not isinstance(v, int) or v < 1
                                         for k, v in spec.items()):
        bad("paper_spec", _("组卷规则应为 {分类: 题数}，题数为正整数"))
    return {"theory_weight": tw, "practice_weight": pw, "advance_rule": rule, "advance_value": value,
            "exam_opens_at": opens, "exam_closes_at": closes, "exam_minutes": minutes,
            "practice_max": practice_max, "paper_spec": {str(k).strip(): v for k, v in spec.items()}}


DEFAULT_ROUNDS = [
    {"stage": Stage.PRELIMINARY, "theory_weight": 100, "practice_weight": 0, "advance_rule": AdvanceRule.TOP_PERCENT,
     "advance_value": 20},
    {"stage": Stage.SEMIFINAL, "theory_weight": 40, "practice_weight": 60, "advance_rule": AdvanceRule.TOP_N,
     "advance_value": 50},
    {"stage": Stage.FINAL, "theory_weight": 30, "practice_weight": 70},
]


@transaction.atomic
def contest_create(actor, *, title: str, trade: str, registration_opens_at: dt.datetime,
                   registration_closes_at: dt.datetime, kind: str = ContestKind.SKILL, occupation: str = "",
                   capacity: int | None = None, award_places: int = 5, description: str = "",
                   union_id: int | None = None, rounds: list[dict] | None = None) -> Contest:
    """A contest and its rounds, in order; without `rounds`, 初赛 (theory only, top 20%), 复赛 (top 50) and
    决赛. The stages given must be in the order 初赛, 复赛, 决赛 and end with the 决赛."""
    scope = require_staff(actor, roles=ORGANISERS)
    union = scope
    if union_id is not None:
        union = Union.objects.filter(pk=union_id).first()
        if union is None or not in_scope(actor, union):
            raise ValidationFailed.field("union", _("工会不存在或不在管辖范围内"))
    if not title.strip():
        raise ValidationFailed.field("title", _("请填写比赛名称"))
    if not trade.strip():
        raise ValidationFailed.field("trade", _("请填写工种"))
    if kind not in ContestKind.values:
        raise ValidationFailed.field("kind", _("比赛类型应为 skill（技能大赛）或 labour（劳动竞赛）"))
    if occupation and occupation not in Occupation.values:
        raise ValidationFailed.field("occupation", _("限定职业不正确"))
    if registration_closes_at <= registration_opens_at:
        raise ValidationFailed.field("registration_closes_at", _("报名截止时间应晚于报名开始时间"))
    if capacity is not None and capacity < 1:
        raise ValidationFailed.field("capacity", _("名额上限至少为1"))
    if not 1 <= award_places <= 100:
        raise ValidationFailed.field("award_places", _("获奖名次应为1到100"))
    specs = rounds if rounds else DEFAULT_ROUNDS
    stages = [r.get("stage") for r in specs]
    if any(s not in Stage.values for s in stages):
        raise ValidationFailed.field("rounds", _("赛程应为 preliminary（初赛）、semifinal（复赛）、final（决赛）"))
    if len(set(stages)) != len(stages) or stages != sorted(stages, key=lambda s: STAGE_ORDER[s]) \
            or stages[-1] != Stage.FINAL:
        raise ValidationFailed.field("rounds", _("赛程应按初赛、复赛、决赛的顺序排列，且以决赛结束"))
    cleaned = [_clean_round(r, f"rounds[{i}].") for i, r in enumerate(specs)]
    contest = Contest.objects.create(
        union=union, title=title.strip(), trade=trade.strip(), kind=kind, occupation=occupation,
        registration_opens_at=registration_opens_at, registration_closes_at=registration_closes_at,
        capacity=capacity, award_places=award_places, description=description.strip(), created_by=actor)
    Round.objects.bulk_create([Round(contest=contest, stage=stage, order=i + 1, paper_seed=secrets.token_hex(8),
                                     **data) for i, (stage, data) in enumerate(zip(stages, cleaned, strict=True))])
    audit_record(actor=actor, action=Action.CREATE, obj=contest, union=union)
    return contest


ROUND_FIELDS = ("theory_weight", "practice_weight", "advance_rule", "advance_value", "exam_opens_at",
                "exam_closes_at", "exam_minutes", "practice_max", "paper_spec")


@transaction.atomic
def round_update(actor, *, round_id: int, **changes) -> Round:
    """Change a round's weights, advancement rule, exam window, time limit or paper spec while it is open. The
    paper spec and time limit cannot change once an entrant has started the exam."""
    rnd = _organiser_round(actor, round_id)
    if rnd.status != RoundStatus.OPEN:
        message = _("成绩已公布，赛程设置不能再修改")
        raise Conflict(message, fields={"round": message})
    unknown = set(changes) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("不能修改此项"))
    data = {f: getattr(rnd, f) for f in ROUND_FIELDS} | changes
    cleaned = _clean_round(data, "")
    started = rnd.attempts.exists()
    for name in ("paper_spec", "exam_minutes"):
        if started and name in changes and cleaned[name] != getattr(rnd, name):
            raise Conflict(_("已有选手开始答题，组卷规则和答题时长不能再修改"),
                           fields={name: _("已有选手开始答题，不能再修改")})
    for name, value in cleaned.items():
        setattr(rnd, name, value)
    rnd.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=rnd, union=rnd.contest.union,
                 detail={k: str(v) for k, v in changes.items()})
    return rnd


@transaction.atomic
def judge_assign(actor, *, contest_id: int, user_id: int) -> ContestJudge:
    contest = _organiser_contest(actor, contest_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_union_staff:
        raise ValidationFailed.field("user", _("裁判应为工会工作人员或评审专家账号"))
    judge, created = ContestJudge.objects.get_or_create(contest=contest, user=user)
    if created:
        audit_record(actor=actor, action=Action.CREATE, obj=judge, union=contest.union,
                     detail={"judge": user.get_username()})
    return judge


# --- registration ------------------------------------------------------------------------------------------------


@transaction.atomic
def entry_register(actor, *, contest_id: int, worker_id: int | None = None,
                   now: dt.datetime | None = None) -> Entry:
    """Register for a contest: a worker for themself (no `worker_id`), or staff for a worker of their subtree.

    Only a member in good standing of a union inside the organiser's subtree may enter, inside the registration
    window, once, while places remain. The contest row is locked: capacity and numbers hold under concurrency."""
    now = now or timezone.now()
    if worker_id is None:
        membership = member_in_good_standing(actor)
        if membership is None:
            raise ValidationFailed.field("membership", _("仅限在会会员报名，请先加入工会"))
        contest = Contest.objects.select_for_update().select_related("union").filter(pk=contest_id).first()
        if contest is None:
            raise NotFound(_("比赛不存在"))
        registered_by = None
    else:
        contest = _organiser_contest(actor, contest_id, lock=True)
        worker = Worker.objects.filter(pk=worker_id).first()
        membership = current_membership(worker)
        if worker is None or membership is None or not in_scope(actor, membership.union):
            raise ValidationFailed.field("worker", _("职工不存在或不在管辖范围内"))
        if membership.status != MembershipStatus.ADMITTED:
            raise ValidationFailed.field("worker", _("该职工不是在会会员，不能报名"))
        registered_by = actor
    if not contest.union.contains(membership.union):
        raise ValidationFailed.field("membership", _("本比赛仅限%(union)s所属会员报名") % {"union": contest.union.name})
    if contest.occupation and membership.worker.occupation != contest.occupation:
        raise ValidationFailed.field(
            "occupation", _("本比赛仅限%(occupation)s报名") % {"occupation": _(Occupation(contest.occupation).label)})
    if not contest.registration_opens_at <= now <= contest.registration_closes_at:
        message = _("不在报名时间内（报名时间：%(opens)s 至 %(closes)s）") % {
            "opens": _local(contest.registration_opens_at), "closes": _local(contest.registration_closes_at)}
        raise ValidationFailed.field("registration", message, code="outside_window")
    if Entry.objects.filter(contest=contest, worker=membership.worker).exists():
        message = _("已报名该比赛，不能重复报名")
        raise Conflict(message, code="already_registered", fields={"contest": message})
    taken = Entry.objects.filter(contest=contest).aggregate(n=Max("number"))["n"] or 0
    if contest.capacity is not None and Entry.objects.filter(contest=contest).count() >= contest.capacity:
        raise Conflict(_("名额已满（共%(n)s人）") % {"n": contest.capacity}, code="full",
                       fields={"capacity": _("名额已满")})
    try:
        with transaction.atomic():
            entry = Entry.objects.create(contest=contest, worker=membership.worker, union=membership.union,
                                         number=taken + 1, registered_by=registered_by)
    except IntegrityError:
        message = _("已报名该比赛，不能重复报名")
        raise Conflict(message, code="already_registered", fields={"contest": message})
    audit_record(actor=actor, action=Action.CREATE, obj=entry, union=contest.union)
    return entry


# --- question bank -----------------------------------------------------------------------------------------------


TRUE_FALSE_OPTIONS = ["正确", "错误"]
_TRUE_FALSE_WORDS = {"正确": "A", "对": "A", "√": "A", "是": "A", "T": "A", "TRUE": "A",
                     "错误": "B", "错": "B", "×": "B", "否": "B", "F": "B", "FALSE": "B"}
KIND_LABELS = {label: value for value, label in QuestionKind.choices} | {"单选": "single", "多选": "multiple",
                                                                         "判断": "true_false"}


def _clean_question(*, category: str, kind: str, text: str, options: list, answer: str, points: int) -> dict:
    kind = KIND_LABELS.get(str(kind).strip(), str(kind).strip())
    if kind not in QuestionKind.values:
        raise ValidationFailed.field("kind", _("题型应为单选题、多选题或判断题"))
    if not str(category).strip():
        raise ValidationFailed.field("category", _("请填写题目分类"))
    if not str(text).strip():
        raise ValidationFailed.field("text", _("请填写题干"))
    raw = str(answer).strip().upper().replace(",", "").replace("，", "").replace(" ", "")
    if kind == QuestionKind.TRUE_FALSE:
        options = TRUE_FALSE_OPTIONS
        raw = _TRUE_FALSE_WORDS.get(str(answer).strip().upper(), raw)
    else:
        options = [str(o).strip() for o in options if str(o).strip()]
        if not 2 <= len(options) <= len(LETTERS):
            raise ValidationFailed.field("options", _("选项应有2到%(n)s个") % {"n": len(LETTERS)})
    allowed = LETTERS[:len(options)]
    letters = "".join(sorted(set(raw)))
    if not letters or any(ch not in allowed for ch in letters) or len(letters) != len(raw):
        raise ValidationFailed.field("answer", _("答案应为选项字母（%(first)s-%(last)s），不重复")
                                     % {"first": allowed[0], "last": allowed[-1]})
    if kind != QuestionKind.MULTIPLE and len(letters) != 1:
        raise ValidationFailed.field("answer", _("单选题和判断题只有一个正确答案"))
    if not isinstance(points, int) or not 1 <= points <= 100:
        raise ValidationFailed.field("points", _("分值应为1到100的整数"))
    return {"category": str(category).strip()[:40], "kind": kind, "text": str(text).strip(), "options": options,
            "answer": letters, "points": points}


@transaction.atomic
def question_create(actor, *, contest_id: int, category: str, kind: str, text: str, options: list[str] | None = None,
                    answer: str, points: int = 1) -> Question:
    contest = _organiser_contest(actor, contest_id)
    data = _clean_question(category=category, kind=kind, text=text, options=options or [], answer=answer,
                           points=points)
    question = Question.objects.create(contest=contest, **data)
    audit_record(actor=actor, action=Action.CREATE, obj=question, union=contest.union)
    return question


QUESTION_COLUMNS = ("分类", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "分值")


def _read_sheet(content: bytes) -> list[list]:
    import io

    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python(
            skip_empty_area=False)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same answer to the user
        raise ValidationFailed.field("file", _("无法读取文件，请上传 .xlsx 格式的题库表格"))


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


@transaction.atomic
def question_import(actor, *, contest_id: int, content: bytes) -> int:
    """Import a question bank from an Excel sheet with the columns of QUESTION_COLUMNS (first row the headers).
    All or nothing: one bad row refuses the file and the message names every bad row (up to ten)."""
    contest = _organiser_contest(actor, contest_id)
    rows = _read_sheet(content)
    if not rows:
        raise ValidationFailed.field("file", _("表格是空的"))
    headers = [_cell(h) for h in rows[0]]
    missing = [h for h in ("分类", "题型", "题干", "答案") if h not in headers]
    if missing:
        columns = pgettext("list separator", "、").join(missing)
        raise ValidationFailed.field("file", _("缺少列：%(columns)s") % {"columns": columns})
    col = {h: i for i, h in enumerate(headers)}
    questions, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        values = {h: _cell(row[i]) if i < len(row) else "" for h, i in col.items()}
        if not any(values.values()):
            continue
        try:
            points = values.get("分值") or "1"
            data = _clean_question(category=values["分类"], kind=values["题型"], text=values["题干"],
                                   options=[values.get(f"选项{ch}", "") for ch in "ABCDEF"],
                                   answer=values["答案"], points=int(points) if points.isdigit() else -1)
        except ValidationFailed as exc:
            errors.append(_("第%(row)s行：%(error)s")
                          % {"row": number, "error": next(iter(exc.fields.values()), exc.message)})
            continue
        questions.append(Question(contest=contest, **data))
    if errors:
        shown = pgettext("list separator", "；").join(errors[:10]) + (pgettext("ellipsis", "……")
                                                                        if len(errors) > 10 else "")
        raise ValidationFailed(_("题库有%(n)s行有误，未导入：%(rows)s") % {"n": len(errors), "rows": shown},
                               fields={"file": shown})
    if not questions:
        raise ValidationFailed.field("file", _("表格中没有试题"))
    Question.objects.bulk_create(questions)
    audit_record(actor=actor, action=Action.IMPORT, obj=contest, union=contest.union,
                 detail={"questions": len(questions)})
    return len(questions)


# --- the theory exam ---------------------------------------------------------------------------------------------


def _own_entry(actor, contest_id: int, *, lock: bool = False) -> Entry:
    worker = worker_for_user(actor)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    qs = Entry.objects.filter(contest_id=contest_id, worker=worker)
    if lock:
        qs = qs.select_for_update()
    entry = qs.first()
    if entry is None:
        raise NotFound(_("您没有报名该比赛"))
    return entry


def bank_by_category(contest_id: int) -> dict[str, list[int]]:
    bank: dict[str, list[int]] = {}
    for qid, category in Question.objects.filter(contest_id=contest_id, active=True).values_list("id", "category"):
        bank.setdefault(category, []).append(qid)
    return bank


@transaction.atomic
def exam_start(actor, *, round_id: int, now: dt.datetime | None = None) -> ExamAttempt:
    """Start (or resume) the theory exam of a round: the paper is drawn once, from the round's seed and the entry,
    by the round's category counts; the deadline is the time limit from now, never past the exam's close."""
    now = now or timezone.now()
    rnd = Round.objects.select_related("contest").filter(pk=round_id).first()
    if rnd is None:
        raise NotFound(_("赛程不存在"))
    entry = _own_entry(actor, rnd.contest_id, lock=True)  # one paper however many clicks
    existing = ExamAttempt.objects.filter(round=rnd, entry=entry).first()
    if existing is not None:
        return existing
    stage = _(rnd.get_stage_display())
    if entry.reached_order < rnd.order:
        raise PermissionDenied(_("您未进入%(stage)s") % {"stage": stage})
    if rnd.status != RoundStatus.OPEN or rnd.theory_weight == 0 or rnd.exam_opens_at is None:
        raise ValidationFailed.field("round", _("%(stage)s不设或已结束理论考试") % {"stage": stage})
    if now < rnd.exam_opens_at:
        raise ValidationFailed.field("round", _("理论考试尚未开始（%(opens)s 开始）")
                                     % {"opens": _local(rnd.exam_opens_at)}, code="not_open")
    if now >= rnd.exam_closes_at:
        raise ValidationFailed.field("round", _("理论考试已截止（%(closes)s）")
                                     % {"closes": _local(rnd.exam_closes_at)}, code="closed")
    seed, question_ids = paper_draw(round_seed=rnd.paper_seed, entry_id=entry.pk,
                                    bank=bank_by_category(rnd.contest_id), spec=rnd.paper_spec)
    points = sum(Question.objects.filter(pk__in=question_ids).values_list("points", flat=True))
    attempt = ExamAttempt.objects.create(
        round=rnd, entry=entry, seed=seed, question_ids=question_ids, started_at=now, max_points=points,
        deadline=min(now + dt.timedelta(minutes=rnd.exam_minutes), rnd.exam_closes_at))
    return attempt


def _mark(attempt: ExamAttempt, *, at: dt.datetime) -> None:
    """Mark the paper: a question scores its points when the answer is exactly the correct letters (a multiple
    choice question with one letter missing or extra scores nothing)."""
    key = dict(Question.objects.filter(pk__in=attempt.question_ids).values_list("id", "answer"))
    value = dict(Question.objects.filter(pk__in=attempt.question_ids).values_list("id", "points"))
    got = sum(value[qid] for qid in attempt.question_ids if attempt.answers.get(str(qid)) == key[qid])
    attempt.points = got
    attempt.score = (Decimal(got * 100) / attempt.max_points).quantize(TWO, ROUND_HALF_UP) \
        if attempt.max_points else Decimal(0)
    attempt.submitted_at = at


@transaction.atomic
def exam_answer(actor, *, round_id: int, answers: dict[str, str], submit: bool = False,
                now: dt.datetime | None = None) -> ExamAttempt:
    """Save answers ({question id: letters}) and, with `submit`, hand the paper in and mark it. After the deadline
    (plus a small grace for the network) nothing is accepted: the answers saved before it are what is marked."""
    now = now or timezone.now()
    rnd = Round.objects.filter(pk=round_id).first()
    if rnd is None:
        raise NotFound(_("赛程不存在"))
    entry = _own_entry(actor, rnd.contest_id)
    attempt = ExamAttempt.objects.select_for_update().filter(round=rnd, entry=entry).first()
    if attempt is None:
        raise ValidationFailed.field("round", _("请先开始考试"))
    if attempt.submitted_at is not None:
        message = _("答卷已交，不能再修改")
        raise Conflict(message, code="submitted", fields={"answers": message})
    if now > attempt.deadline + exam_grace():
        message = _("考试时间已到（%(deadline)s 截止），本次答案未被接受") % {
            "deadline": f"{timezone.localtime(attempt.deadline):%H:%M:%S}"}
        raise Conflict(message, code="time_over", fields={"answers": message})
    if not isinstance(answers, dict):
        raise ValidationFailed.field("answers", _("答案格式不正确"))
    kinds = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    cleaned: dict[str, str] = {}
    for raw_id, raw in answers.items():
        qid = int(raw_id) if str(raw_id).isdigit() else None
        if qid not in kinds:
            raise ValidationFailed.field(f"answers.{raw_id}", _("试卷中没有这道题"))
        q = kinds[qid]
        letters = "".join(sorted(set(str(raw or "").upper())))
        allowed = LETTERS[:len(q.options)]
        if any(ch not in allowed for ch in letters):
            raise ValidationFailed.field(f"answers.{raw_id}", _("答案应为 %(first)s-%(last)s 中的字母")
                                         % {"first": allowed[0], "last": allowed[-1]})
        if q.kind != QuestionKind.MULTIPLE and len(letters) > 1:
            raise ValidationFailed.field(f"answers.{raw_id}",
                                         _("%(kind)s只能选一个答案") % {"kind": _(q.get_kind_display())})
        cleaned[str(qid)] = letters
    attempt.answers = {**attempt.answers, **cleaned}
    if submit:
        _mark(attempt, at=min(now, attempt.deadline))
    attempt.save()
    return attempt


# --- practice scores ---------------------------------------------------------------------------------------------


def may_judge(user, contest: Contest) -> bool:
    """Assigned judges of the contest, and reviewers (评审专家) whose scope covers the organiser."""
    if not getattr(user, "is_union_staff", False):
        return False
    if ContestJudge.objects.filter(contest=contest, user=user).exists():
        return True
    return user.role == Role.REVIEWER and in_scope(user, contest.union)


@transaction.atomic
def practice_score_enter(actor, *, round_id: int, entry_id: int, score: Decimal | float | str,
                         reason: str = "") -> PracticeScore:
    """A judge's practice score of an entrant. A judge scores once; a second score is a correction that needs a
    reason and is audited with the old and the new score."""
    rnd = Round.objects.select_related("contest__union").filter(pk=round_id).first()
    if rnd is None:
        raise NotFound(_("赛程不存在"))
    if not may_judge(actor, rnd.contest):
        raise PermissionDenied(_("仅限本比赛的裁判或评审专家录入实操成绩"))
    if rnd.status != RoundStatus.OPEN:
        message = _("成绩已公布，不能再录入")
        raise Conflict(message, fields={"round": message})
    stage = _(rnd.get_stage_display())
    if rnd.practice_weight == 0:
        raise ValidationFailed.field("round", _("%(stage)s不设实操") % {"stage": stage})
    entry = Entry.objects.filter(pk=entry_id, contest=rnd.contest).first()
    if entry is None or entry.reached_order < rnd.order:
        raise ValidationFailed.field("entry", _("该选手不在%(stage)s名单中") % {"stage": stage})
    try:
        value = Decimal(str(score)).quantize(TWO, ROUND_HALF_UP)
    except InvalidOperation:
        raise ValidationFailed.field("score", _("实操成绩应为数字"))
    if not Decimal(0) <= value <= rnd.practice_max:
        raise ValidationFailed.field("score", _("实操成绩应在0到%(most)s之间")
                                     % {"most": f"{rnd.practice_max.normalize():f}"}, code="out_of_range")
    reason = reason.strip()[:200]
    # Locks this judge's score of this entrant: two corrections at once apply one after the other.
    existing = PracticeScore.objects.select_for_update().filter(round=rnd, entry=entry, judge=actor).first()
    if existing is not None:
        if not reason:
            raise Conflict(_("您已为该选手评过分；如需更正，请填写更正原因"), code="already_scored",
                           fields={"reason": _("更正成绩须填写原因")})
        old = existing.score
        existing.score, existing.reason = value, reason
        existing.corrections += 1
        existing.save()
        audit_record(actor=actor, action=Action.UPDATE, obj=existing, union=rnd.contest.union,
                     detail={"entry": entry.number, "round": rnd.stage, "old": str(old), "new": str(value),
                             "reason": reason})
        return existing
    try:
        with transaction.atomic():
            created = PracticeScore.objects.create(round=rnd, entry=entry, judge=actor, score=value)
    except IntegrityError:
        raise Conflict(_("您已为该选手评过分；如需更正，请填写更正原因"), code="already_scored",
                       fields={"reason": _("更正成绩须填写原因")})
    audit_record(actor=actor, action=Action.CREATE, obj=created, union=rnd.contest.union,
                 detail={"entry": entry.number, "round": rnd.stage, "score": str(value)})
    return created


# --- publishing, advancing, certificates -------------------------------------------------------------------------


def weighted_total(*, theory: Decimal, practice: Decimal, round: Round) -> Decimal:
    """Theory on 0-100; practice scaled to 0-100 from its maximum; each times its weight in percent."""
    practice_100 = practice * 100 / round.practice_max
    return ((theory * round.theory_weight + practice_100 * round.practice_weight) / 100).quantize(TWO, ROUND_HALF_UP)


def certificate_number(contest: Contest, entry: Entry, *, issued_on: dt.date) -> str:
    """`JS` + year + contest + entrant number + four check characters (a keyed hash of the rest): a number
    typed wrong or made up fails the check before any lookup."""
    body = f"JS{issued_on:%Y}{contest.pk:04d}{entry.number:05d}"
    check = hmac.new(settings.SECRET_KEY.encode(), body.encode(), hashlib.sha256).hexdigest()[:4].upper()
    return f"{body}-{check}"


def certificate_number_valid(number: str) -> bool:
    body, _, check = number.strip().upper().partition("-")
    expected = hmac.new(settings.SECRET_KEY.encode(), body.encode(), hashlib.sha256).hexdigest()[:4].upper()
    return bool(body) and hmac.compare_digest(check, expected)


@transaction.atomic
def round_publish(actor, *, round_id: int, now: dt.datetime | None = None) -> int:
    """Publish a round: mark the papers left unsubmitted at their deadline (with the answers saved), average each
    entrant's practice scores over the judges, weight, rank (equal totals share a rank: 1, 2, 2, 4) and store the
    results; entrants see them from now on. The final round also issues the certificates. Returns the count."""
    now = now or timezone.now()
    rnd = _organiser_round(actor, round_id)
    if rnd.status != RoundStatus.OPEN:
        message = _("本赛程成绩已公布")
        raise Conflict(message, fields={"round": message})
    previous = Round.objects.filter(contest=rnd.contest, order__lt=rnd.order).exclude(
        status=RoundStatus.ADVANCED).first()
    if previous is not None:
        raise Conflict(_("%(stage)s尚未完成晋级") % {"stage": _(previous.get_stage_display())},
                       fields={"round": _("上一赛程尚未完成晋级")})
    if rnd.theory_weight and rnd.exam_closes_at and now < rnd.exam_closes_at:
        raise Conflict(_("理论考试尚未截止（%(closes)s）") % {"closes": _local(rnd.exam_closes_at)},
                       fields={"exam_closes_at": _("理论考试尚未截止")})
    open_attempts = list(ExamAttempt.objects.select_for_update().filter(round=rnd, submitted_at__isnull=True))
    if any(now <= a.deadline + exam_grace() for a in open_attempts):
        raise Conflict(_("仍有选手在答题，请稍后再公布"), fields={"round": _("仍有选手在答题")})
    for attempt in open_attempts:
        _mark(attempt, at=attempt.deadline)
    ExamAttempt.objects.bulk_update(open_attempts, ["points", "score", "submitted_at"])
    entries = list(Entry.objects.filter(contest=rnd.contest, reached_order__gte=rnd.order).order_by("number"))
    theory = dict(ExamAttempt.objects.filter(round=rnd).values_list("entry_id", "score"))
    practice = {row["entry_id"]: row["avg"] for row in
                PracticeScore.objects.filter(round=rnd).values("entry_id").annotate(avg=Avg("score"))}
    rows = []
    for entry in entries:
        t = theory.get(entry.pk)
        p = practice.get(entry.pk)
        absent = (t is None or not rnd.theory_weight) and (p is None or not rnd.practice_weight)
        t = Decimal(t or 0).quantize(TWO, ROUND_HALF_UP)
        p = Decimal(p or 0).quantize(TWO, ROUND_HALF_UP)
        rows.append(RoundResult(round=rnd, entry=entry, theory_score=t, practice_score=p, absent=absent,
                                total=weighted_total(theory=t, practice=p, round=rnd), rank=0))
    for row, rank in zip(rows, competition_ranks([r.total for r in rows]), strict=True):
        row.rank = rank
    RoundResult.objects.bulk_create(rows, batch_size=2000)
    rnd.status, rnd.published_at = RoundStatus.PUBLISHED, now
    rnd.save(update_fields=["status", "published_at"])
    if rnd.is_final:
        _certificates_issue(rnd, rows, issued_on=timezone.localdate(now))
    audit_record(actor=actor, action=Action.UPDATE, obj=rnd, union=rnd.contest.union,
                 detail={"published": len(rows)})
    return len(rows)


def _certificates_issue(rnd: Round, rows: list[RoundResult], *, issued_on: dt.date) -> None:
    contest = rnd.contest
    Certificate.objects.bulk_create([
        Certificate(entry=r.entry, rank=r.rank, issued_on=issued_on,
                    number=certificate_number(contest, r.entry, issued_on=issued_on),
                    award=f"第{r.rank}名" if r.rank <= contest.award_places else "优秀选手")
        for r in rows if not r.absent])


def advancing(rnd: Round, results: list[RoundResult]) -> list[RoundResult]:
    """Who advances under the round's rule. Absent entrants never do. Ties at the boundary go through together:
    top N takes every entrant whose rank is at most N (so a tie for the last place can take N+1 or more); top X%
    is top N with N = ceil(X% of those present); the minimum score takes every total at or above it."""
    present = [r for r in results if not r.absent]
    value = rnd.advance_value
    if rnd.advance_rule == AdvanceRule.MIN_SCORE:
        return [r for r in present if r.total >= value]
    n = int(value) if rnd.advance_rule == AdvanceRule.TOP_N else math.ceil(len(present) * value / 100)
    return [r for r in present if r.rank <= n]


@transaction.atomic
def round_advance(actor, *, round_id: int, now: dt.datetime | None = None) -> int:
    """Apply the advancement rule of a published round, in one transaction: the advancing results are flagged,
    their entrants move to the next round, the round is closed. Returns how many advanced."""
    rnd = _organiser_round(actor, round_id)
    if rnd.status == RoundStatus.ADVANCED:
        message = _("本赛程已完成晋级")
        raise Conflict(message, fields={"round": message})
    if rnd.status != RoundStatus.PUBLISHED:
        raise Conflict(_("请先公布本赛程成绩，再晋级"), fields={"round": _("成绩尚未公布")})
    following = Round.objects.filter(contest=rnd.contest, order__gt=rnd.order).order_by("order").first()
    if following is None:
        message = _("决赛之后没有下一赛程")
        raise Conflict(message, fields={"round": message})
    if rnd.advance_value is None:
        raise ValidationFailed.field("advance_value", _("请先设置晋级规则的数值"))
    chosen = advancing(rnd, list(RoundResult.objects.filter(round=rnd)))
    if not chosen:
        raise ValidationFailed.field("advance_value", _("按当前晋级规则无人晋级，请调整规则"))
    RoundResult.objects.filter(pk__in=[r.pk for r in chosen]).update(advanced=True)
    Entry.objects.filter(pk__in=[r.entry_id for r in chosen]).update(reached_order=following.order)
    rnd.status, rnd.advanced_at = RoundStatus.ADVANCED, now or timezone.now()
    rnd.save(update_fields=["status", "advanced_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=rnd, union=rnd.contest.union,
                 detail={"advanced": len(chosen), "rule": rnd.advance_rule, "value": str(rnd.advance_value)})
    return len(chosen)
