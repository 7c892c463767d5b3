"""The figures that 二、主要目标 states in its text for 2027, as the plan words them.

The five-year table gives the same indicators a target per year; the text and the
table are two sources, and where they disagree both are shown (/plan/). The
phrases are transcribed from the seed (a test re-reads it) and read with the same
reader as the table's targets (plan_text.parse_target), so "50项以上" is ≥ 50.
"""

from dataclasses import dataclass
from decimal import Decimal

from indicators.plan_text import parse_target

GOALS_YEAR = 2027
GOALS_SOURCE = "二、主要目标（正文）"


@dataclass(frozen=True)
class TextGoal:
    code: int  # the indicator it speaks of
    section: str  # （一）…（四）
    quote: str  # the words of the text, to be found verbatim in the plan
    phrase: str  # the figure as written, e.g. "50项以上"
    unit: str  # the measure word inside the phrase, dropped to read the figure

    @property
    def figure(self) -> tuple[str, Decimal]:
        """Return (comparator, value) of the phrase: "50项以上" → ("ge", 50)."""
        return parse_target(self.phrase.replace(self.unit, "", 1))


# 二、主要目标 （一）—（四）, each figure that has an indicator in the table. "覆盖40%的
# 城镇社区" has none, and "全面完成…排查整治" no figure.
TEXT_GOALS = [
    TextGoal(
        2,
        "（一）",
        "累计建设筹集保障性租赁住房1.645万套（间）",
        "1.645万套（间）",
        "万套（间）",
    ),
    TextGoal(3, "（一）", "公租房在保家庭达到0.15万户", "0.15万户", "万户"),
    TextGoal(6, "（二）", "累计创建未来社区44个", "44个", "个"),
    TextGoal(4, "（二）", "完成城镇老旧小区改造220个以上", "220个以上", "个"),
    TextGoal(5, "（二）", "住宅小区专业物业服务覆盖率达到95%以上", "95%以上", "%"),
    TextGoal(7, "（二）", "新增住宅加装电梯至少250台", "至少250台", "台"),
    TextGoal(8, "（二）", "创县级及以上优质工程50项以上", "50项以上", "项"),
    TextGoal(9, "（二）", "新开工装配式建筑占新建建筑比例达44%", "44%", "%"),
    TextGoal(14, "（四）", "城镇人均住房建筑面积达到37平方米", "37平方米", "平方米"),
]
