"""Demo challenge: page 2's "冬奥有我·精彩前行" online sports challenge (daily exercise and Winter Olympics and
union knowledge quizzes earn points, a personal ranking, 500 prizes), run here by the municipal federation and in
its third week: 2,500 members have joined (w000001 among them; w000002 has not, to try joining), a week of
exercise entries and quiz answers, a few flagged entries (a shared screenshot, an impossible running speed) waiting
for review. Bulk inserts, then each participant's total is summed from the ledger in one UPDATE. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction
from django.utils import timezone

from zhijia.challenge.models import (
    Challenge,
    EntryStatus,
    ExerciseEntry,
    ExerciseRule,
    Participant,
    ParticipantDay,
    PointEntry,
    PointSource,
    QuizAnswer,
    QuizQuestion,
)
from zhijia.challenge.services import DEFAULT_RULES
from zhijia.members.models import Membership, MembershipStatus
from zhijia.orgs.models import Union

TITLE = "冬奥有我·精彩前行 职工线上运动挑战赛"
PARTICIPANTS = 2500
ACTIVE_DAYS = 7

# (question, choices, index of the answer, explanation)
QUESTIONS: list[tuple[str, list[str], int, str]] = [
    ("北京2022年冬奥会开幕式在哪一天举行？", ["2022年1月1日", "2022年2月4日", "2022年3月4日", "2022年2月20日"], 1,
     "北京冬奥会于2022年2月4日开幕，2月20日闭幕。"),
    ("北京2022年冬奥会的吉祥物是？", ["雪容融", "冰墩墩", "福娃", "盼盼"], 1, "冰墩墩是冬奥会吉祥物，雪容融是冬残奥会吉祥物。"),
    ("北京2022年冬残奥会的吉祥物是？", ["雪容融", "冰墩墩", "晶晶", "欢欢"], 0, "雪容融以灯笼为原型。"),
    ("北京冬奥会的主题口号是？", ["更快、更高、更强", "一起向未来", "同一个世界 同一个梦想", "纯洁的冰雪 激情的约会"], 1,
     "“一起向未来”是北京2022年冬奥会和冬残奥会的主题口号。"),
    ("北京冬奥会会徽的名称是？", ["冬梦", "飞跃", "中国印", "冰雪之约"], 0, "冬奥会会徽“冬梦”，冬残奥会会徽“飞跃”。"),
    ("北京冬奥会设有哪三个赛区？", ["北京、延庆、张家口", "北京、天津、张家口", "北京、怀柔、崇礼", "北京、延庆、承德"], 0,
     "北京赛区、延庆赛区和张家口赛区。"),
    ("被称为“冰丝带”的场馆是？", ["国家体育场", "国家速滑馆", "国家游泳中心", "首都体育馆"], 1, "国家速滑馆外立面由22条“丝带”环绕。"),
    ("国家游泳中心在冬奥会期间改造为冰壶场馆，被称为？", ["冰丝带", "冰立方", "雪如意", "雪飞燕"], 1, "“水立方”变身“冰立方”。"),
    ("位于张家口赛区、被称为“雪如意”的场馆是？", ["国家跳台滑雪中心", "国家高山滑雪中心", "国家雪车雪橇中心", "云顶滑雪公园"], 0,
     "国家跳台滑雪中心的外形取自中国传统饰物“如意”。"),
    ("北京成为世界上首个举办过夏季和冬季奥运会的城市，被称为？", ["冰雪之城", "双奥之城", "奥运之都", "冠军之城"], 1,
     "北京于2008年举办夏奥会、2022年举办冬奥会。"),
    ("冰壶比赛中，队员在冰壶前方快速擦冰的主要作用是？", ["清洁冰面", "改变冰壶的滑行距离和方向", "给冰面降温", "表演动作"], 1,
     "擦冰使冰面形成水膜，减小摩擦，影响滑行距离和弧线。"),
    ("短道速滑的标准跑道一圈长多少米？", ["111.12米", "200米", "400米", "333.33米"], 0, "短道速滑跑道周长111.12米。"),
    ("全国统一的职工服务热线是？", ["12345", "12351", "12333", "12356"], 1, "12351是全国总工会职工服务热线。"),
    ("工会会员按月缴纳会费，标准是本人每月工资收入的？", ["0.5%", "1%", "2%", "5%"], 0, "会员按本人工资收入的0.5%缴纳会费。"),
    ("国际劳动节是每年的哪一天？", ["3月8日", "5月1日", "5月4日", "10月1日"], 1, "5月1日国际劳动节。"),
    ("新就业形态劳动者（如快递员、外卖配送员）能否加入工会？", ["不能", "能，可通过小三级工会兜底入会", "只能加入企业工会", "只能在户籍地入会"], 1,
     "想入能入、应入尽入，没有企业工会的可加入区域、行业工会或街道工会。"),
    ("户外劳动者暖心驿站一般不提供下列哪项服务？", ["饮水", "微波炉加热", "手机充电", "办理贷款"], 3, "驿站提供饮水、加热、充电、休息等。"),
    ("《中华人民共和国工会法》规定，工会的基本职责是？", ["组织文艺活动", "维护职工合法权益、竭诚服务职工群众", "管理企业生产", "发放工资"], 1,
     "维护职工合法权益、竭诚服务职工群众是工会的基本职责。"),
    ("成年人每周至少应进行多少分钟中等强度的身体活动？", ["30分钟", "60分钟", "150分钟", "600分钟"], 2, "世界卫生组织建议每周150至300分钟。"),
    ("《中国居民膳食指南》建议成年人每天主动身体活动最好达到多少步？", ["2000步", "6000步", "20000步", "50000步"], 1,
     "坚持日常身体活动，主动身体活动最好每天6000步。"),
    ("运动前做热身的主要目的是？", ["消耗体力", "预防运动损伤", "减少运动时间", "没有作用"], 1, "热身可提高肌肉温度和关节灵活性。"),
    ("饱餐后多久再进行剧烈运动比较合适？", ["立即", "约10分钟", "1至2小时", "不需要间隔"], 2, "饭后立即剧烈运动易引起不适。"),
    ("成人心肺复苏胸外按压的频率是每分钟？", ["60至80次", "100至120次", "150至180次", "越快越好"], 1, "按压频率100至120次/分钟。"),
    ("成人心肺复苏胸外按压的深度约为？", ["1至2厘米", "5至6厘米", "10厘米以上", "不需要按压"], 1, "按压深度5至6厘米。"),
    ("冬季户外滑雪最应佩戴的防护装备是？", ["头盔", "围巾", "耳机", "手表"], 0, "头盔可降低头部受伤风险。"),
    ("寒冷天气户外运动后，正确的做法是？", ["马上脱掉外衣", "及时擦干汗水、添加衣物", "立即洗冷水澡", "大量饮用冰水"], 1, "防止受凉感冒。"),
    ("骑电动自行车送餐时，下列做法正确的是？", ["边骑车边看手机", "佩戴安全头盔", "逆行抄近路", "闯红灯赶时间"], 1, "佩戴安全头盔，遵守交通规则。"),
    ("遇到用人单位拖欠工资，职工可以拨打哪个热线求助？", ["12351", "110", "119", "12121"], 0, "可拨打12351职工服务热线求助，也可向劳动监察部门投诉。"),
    ("职工之家“七有”标准中不包括以下哪项？", ["有场地", "有标识", "有制度", "有股票"], 3, "七有：场地、标识、设施、宣传、服务、制度、成效。"),
    ("八段锦属于哪一类运动？", ["传统健身功法", "冰雪运动", "球类运动", "水上运动"], 0, "八段锦是传统导引养生功法。"),
]


@transaction.atomic
def seed(stdout, options) -> None:
    if Challenge.objects.filter(title=TITLE).exists():
        stdout.write("  challenge: already seeded")
        return
    city = Union.objects.filter(parent__isnull=True).order_by("pk").first()
    if city is None:
        stdout.write("  challenge: union tree missing, skipped")
        return
    rnd = random.Random(2022)
    today = timezone.localdate()
    challenge = Challenge.objects.create(
        union=city, title=TITLE, starts_on=today - dt.timedelta(days=20), ends_on=today + dt.timedelta(days=79),
        description="每日完成健身运动、参与冬奥知识和工会知识答题，获得贡献值。最终按个人排名发放共计500份活动奖品。",
        daily_exercise_cap=100, quiz_questions_per_day=5, quiz_points_per_correct=2, quiz_daily_cap=10,
        prize_count=500)
    ExerciseRule.objects.bulk_create([
        ExerciseRule(challenge=challenge, kind=kind, unit=unit, points_per_unit=rate, daily_cap=cap, max_per_day=most,
                     max_speed=speed) for kind, (unit, rate, cap, most, speed) in DEFAULT_RULES.items()])
    rules = {r.kind: r for r in ExerciseRule.objects.filter(challenge=challenge)}
    questions = QuizQuestion.objects.bulk_create([
        QuizQuestion(challenge=challenge, text=t, choices=c, answer=a, explanation=e) for t, c, a, e in QUESTIONS])

    members = list(Membership.objects.filter(status=MembershipStatus.ADMITTED).exclude(
        worker__user__username="w000002").select_related("worker").order_by("worker_id")[:PARTICIPANTS])
    now = timezone.now()
    participants = Participant.objects.bulk_create([
        Participant(challenge=challenge, worker=m.worker, union_id=m.union_id, reached_at=now) for m in members],
        batch_size=2000)

    days, entries, answers = [], [], []
    for p in participants:
        keen = rnd.random()  # how often this worker takes part
        for back in range(ACTIVE_DAYS, -1, -1):
            day = today - dt.timedelta(days=back)
            if rnd.random() > keen * (0.4 if back == 0 else 0.8):
                continue
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(rnd.randint(7, 21), rnd.randint(0, 59))))
            row = ParticipantDay(participant=p, date=day)
            days.append(row)
            earned, per_kind = 0, {}
            for kind in rnd.sample(["walk", "walk", "walk", "run", "cycle", "fitness", "ball"], rnd.choice([1, 1, 2])):
                rule = rules[kind]
                amount = rnd.randint(3000, 18000) if kind == "walk" else rnd.randint(15, 70)
                claimed = rule.points_for(amount)
                awarded = max(0, min(claimed, rule.daily_cap - per_kind.get(kind, 0), 100 - earned))
                if not awarded:
                    continue
                per_kind[kind] = per_kind.get(kind, 0) + awarded
                earned += awarded
                entries.append(ExerciseEntry(
                    participant=p, challenge=challenge, date=day, kind=kind, created_at=at,
                    steps=amount if kind == "walk" else None, minutes=None if kind == "walk" else amount,
                    points_claimed=claimed, points_awarded=awarded, status=EntryStatus.COUNTED))
            row.exercise_points = earned
            if rnd.random() < 0.3 * keen + 0.1:
                drawn = rnd.sample(questions, 5)
                row.quiz_question_ids = [q.pk for q in drawn]
                for q in drawn:
                    correct = rnd.random() < 0.8
                    answers.append(QuizAnswer(participant=p, date=day, question=q, correct=correct,
                                              choice=q.answer if correct else (q.answer + 1) % len(q.choices),
                                              points_awarded=2 if correct else 0))
                row.quiz_points = sum(a.points_awarded for a in answers[-5:])
    ParticipantDay.objects.bulk_create(days, batch_size=5000)
    ExerciseEntry.objects.bulk_create(entries, batch_size=5000)
    QuizAnswer.objects.bulk_create(answers, batch_size=5000)
    answer_at = {}
    for e in entries:
        answer_at[(e.participant_id, e.date)] = e.created_at
    ledger = [PointEntry(participant_id=e.participant_id, challenge=challenge, date=e.date,
                         source=PointSource.EXERCISE, points=e.points_awarded, reference=f"exercise:{e.pk}",
                         note=f"{e.get_kind_display()}", created_at=e.created_at) for e in entries]
    ledger += [PointEntry(participant_id=a.participant_id, challenge=challenge, date=a.date, source=PointSource.QUIZ,
                          points=a.points_awarded, reference=f"quiz:{a.pk}", note="每日答题",
                          created_at=answer_at.get((a.participant_id, a.date)) or timezone.make_aware(
                              dt.datetime.combine(a.date, dt.time(12, 30))))
               for a in answers if a.points_awarded]
    PointEntry.objects.bulk_create(ledger, batch_size=5000)
    _flags(challenge, participants[:12], rules, today, rnd)
    _totals_from_ledger(challenge.pk)
    stdout.write(f"  challenge: 「{TITLE}」 {len(participants)} participants, {len(entries)} exercise entries, "
                 f"{len(answers)} quiz answers, {len(ledger)} ledger rows; worker page /w/challenge/")


def _flags(challenge, some, rules, today, rnd) -> None:
    """A screenshot shared by three workers and an impossible running speed, waiting for review."""
    from zhijia.challenge.models import PhotoFingerprint

    shared = "9f2c" + "".join(rnd.choice("0123456789abcdef") for _ in range(60))
    first = ExerciseEntry.objects.filter(challenge=challenge, kind="walk").order_by("pk").first()
    if first is None:
        return
    ExerciseEntry.objects.filter(pk=first.pk).update(photo_sha256=shared)
    PhotoFingerprint.objects.create(sha256=shared, first_entry=first)
    for p in some[1:3]:
        ExerciseEntry.objects.create(participant=p, challenge=challenge, date=today, kind="walk", steps=16800,
                                     photo_sha256=shared, points_claimed=32, status=EntryStatus.FLAGGED,
                                     flag_reasons=[f"照片与打卡#{first.pk}重复"])
    ExerciseEntry.objects.create(participant=some[3], challenge=challenge, date=today, kind="run", minutes=30,
                                 distance_km=21, points_claimed=30, status=EntryStatus.FLAGGED,
                                 flag_reasons=[f"速度42.0公里/小时超过跑步上限{rules['run'].max_speed}"])


def _totals_from_ledger(challenge_id: int) -> None:
    """Each participant's total and the time it was reached, from the ledger (what the services keep in step)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE challenge_participant SET total_points = s.total, reached_at = s.reached
                 FROM (SELECT participant_id, SUM(points) AS total, MAX(created_at) AS reached
                         FROM challenge_pointentry WHERE challenge_id = %s AND points <> 0
                        GROUP BY participant_id) AS s
                WHERE challenge_participant.id = s.participant_id""", [challenge_id])
