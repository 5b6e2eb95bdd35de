"""The two validated self-assessment scales, their standard Chinese items and their standard scoring bands.

PHQ-9 (患者健康问卷抑郁量表) and GAD-7 (广泛性焦虑量表): each item is answered 0–3 for the last two weeks; the score is
the sum. Bands are the published cut-offs. PHQ-9 item 9 (thoughts of self-harm) above 0 is a crisis signal whatever
the total.

The texts are marked with gettext_noop: they stay Chinese here (scoring, the API, the Excel report); the pages translate
them when shown, with the published English wording of both scales.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

STEM = gettext_noop("在过去两周里，您有多少时间受到以下问题的困扰？")
OPTIONS = [(0, gettext_noop("完全不会")), (1, gettext_noop("好几天")), (2, gettext_noop("一半以上的天数")),
           (3, gettext_noop("几乎每天"))]


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    low: int
    high: int
    advice: str


@dataclass(frozen=True)
class Scale:
    code: str
    name: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    crisis_item: int | None = None  # 0-based index of the item whose answer > 0 raises a crisis flag

    @property
    def max_score(self) -> int:
        return 3 * len(self.items)

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise ValueError(score)


PHQ9 = Scale(
    code="phq9",
    name=gettext_noop("PHQ-9 抑郁症状自评"),
    items=(
        gettext_noop("做事时提不起劲或没有兴趣"),
        gettext_noop("感到心情低落、沮丧或绝望"),
        gettext_noop("入睡困难、睡不安稳或睡眠过多"),
        gettext_noop("感觉疲倦或没有活力"),
        gettext_noop("食欲不振或吃太多"),
        gettext_noop("觉得自己很糟，或觉得自己很失败，或让自己或家人失望"),
        gettext_noop("对事物专注有困难，例如阅读报纸或看电视时"),
        gettext_noop("动作或说话速度缓慢到别人已经察觉，或正好相反：烦躁或坐立不安、动来动去的情况比平常更多"),
        gettext_noop("有不如死掉或用某种方式伤害自己的念头"),
    ),
    bands=(
        Band("minimal", gettext_noop("没有或极轻微抑郁症状"), 0, 4,
             gettext_noop("目前情绪状态总体良好。保持规律作息、适度运动，和家人朋友多交流。")),
        Band("mild", gettext_noop("轻度抑郁症状"), 5, 9,
             gettext_noop("有一些情绪困扰。建议关注休息和压力，两周后可以再测一次；想聊聊可预约心灵驿站的心理咨询。")),
        Band("moderate", gettext_noop("中度抑郁症状"), 10, 14,
             gettext_noop("情绪困扰已经比较明显。建议预约心理咨询，与专业人员谈一谈。")),
        Band("moderately_severe", gettext_noop("中重度抑郁症状"), 15, 19,
             gettext_noop("情绪困扰较重。请尽快预约心理咨询，并考虑到医院心理科或精神科就诊。")),
        Band("severe", gettext_noop("重度抑郁症状"), 20, 27,
             gettext_noop("情绪困扰很重。请尽快到医院心理科或精神科就诊，也可以马上使用极速问诊与咨询师交谈。")),
    ),
    crisis_item=8,
)

GAD7 = Scale(
    code="gad7",
    name=gettext_noop("GAD-7 焦虑症状自评"),
    items=(
        gettext_noop("感觉紧张、焦虑或急切"),
        gettext_noop("不能够停止或控制担忧"),
        gettext_noop("对各种各样的事情担忧过多"),
        gettext_noop("很难放松下来"),
        gettext_noop("由于不安而无法静坐"),
        gettext_noop("变得容易烦恼或急躁"),
        gettext_noop("感到似乎将有可怕的事情发生而害怕"),
    ),
    bands=(
        Band("minimal", gettext_noop("没有或极轻微焦虑症状"), 0, 4,
             gettext_noop("目前焦虑水平较低。保持规律作息和适度运动。")),
        Band("mild", gettext_noop("轻度焦虑症状"), 5, 9,
             gettext_noop("有一些焦虑。试试放松训练、规律运动，两周后可以再测一次；想聊聊可预约心理咨询。")),
        Band("moderate", gettext_noop("中度焦虑症状"), 10, 14,
             gettext_noop("焦虑已经比较明显。建议预约心理咨询，与专业人员谈一谈。")),
        Band("severe", gettext_noop("重度焦虑症状"), 15, 21,
             gettext_noop("焦虑很重。请尽快到医院心理科或精神科就诊，也可以马上使用极速问诊与咨询师交谈。")),
    ),
)

SCALES: dict[str, Scale] = {s.code: s for s in (PHQ9, GAD7)}
BAND_LABELS: dict[str, str] = {b.code: b.label.replace("症状", "") for s in SCALES.values() for b in s.bands}
