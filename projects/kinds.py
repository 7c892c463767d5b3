"""The six ledgers behind the plan's counted indicators, declared in one place.

Each kind says which indicator it counts toward, what its projects are called,
what is counted (套, 个, 台), its stages in the order the work goes through them,
and the stage at which a project counts: the day that stage is reached is the day
the project enters the indicator's figure (projects.counts). Pages, forms, the
import and the API read their labels and stages from here.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Stage:
    key: str
    label: str


@dataclass(frozen=True)
class Kind:
    key: str
    code: int  # the plan indicator it counts toward (fixtures/indicators.json)
    label: str
    name_label: str  # what one project is: 小区, 地址, 项目, 社区, 村
    quantity_label: str
    quantity_unit: str
    stages: tuple[Stage, ...]
    counts_at: str
    # How many counted things make one unit of the indicator: 保租房 are counted
    # in 套 but the indicator is kept in 万套.
    scale: Decimal = Decimal(1)
    # Kinds whose projects are one thing each (one 小区, one 社区): 数量 is 1.
    one_each: bool = True
    # The kind's own fields (Project's), shown and required on its forms.
    fields: tuple[str, ...] = ()

    @property
    def stage_keys(self) -> list[str]:
        return [s.key for s in self.stages]

    def stage_label(self, key: str) -> str:
        return next((s.label for s in self.stages if s.key == key), "")

    @property
    def counts_at_label(self) -> str:
        return self.stage_label(self.counts_at)


RENTAL = Kind(
    key="rental",
    code=2,
    label="保障性租赁住房",
    name_label="项目",
    quantity_label="套（间）数",
    quantity_unit="套",
    stages=(
        Stage("recognised", "认定"),
        Stage("started", "开工"),
        Stage("completed", "竣工"),
        Stage("in_use", "投用"),
    ),
    # 建设筹集: a project counts as raised once recognised (项目认定书).
    counts_at="recognised",
    scale=Decimal(10000),
    one_each=False,
    fields=("raising",),
)
RENOVATION = Kind(
    key="renovation",
    code=4,
    label="老旧小区改造",
    name_label="小区",
    quantity_label="个数",
    quantity_unit="个",
    stages=(
        Stage("planned", "谋划"),
        Stage("approved", "立项"),
        Stage("started", "开工"),
        Stage("completed", "完工"),
        Stage("accepted", "验收"),
    ),
    counts_at="completed",
    fields=("households", "buildings"),
)
FUTURE = Kind(
    key="future",
    code=6,
    label="未来社区",
    name_label="社区",
    quantity_label="个数",
    quantity_unit="个",
    stages=(
        Stage("applied", "申报"),
        Stage("listed", "创建"),
        Stage("named", "验收命名"),
    ),
    counts_at="named",
    fields=("setting",),
)
ELEVATOR = Kind(
    key="elevator",
    code=7,
    label="加装电梯",
    name_label="地址",
    quantity_label="台数",
    quantity_unit="台",
    stages=(
        Stage("consulted", "意愿征集"),
        Stage("approved", "审批"),
        Stage("started", "开工"),
        Stage("completed", "完工"),
        Stage("in_use", "投用"),
    ),
    counts_at="in_use",
    one_each=False,
)
QUALITY = Kind(
    key="quality",
    code=8,
    label="优质工程",
    name_label="项目",
    quantity_label="个数",
    quantity_unit="个",
    stages=(
        Stage("applied", "申报"),
        Stage("awarded", "获奖"),
    ),
    counts_at="awarded",
    fields=("award_level",),
)
VILLAGE = Kind(
    key="village",
    code=10,
    label="浙派民居特色村",
    name_label="村",
    quantity_label="个数",
    quantity_unit="个",
    stages=(
        Stage("applied", "申报"),
        Stage("building", "创建"),
        Stage("named", "命名"),
    ),
    counts_at="named",
)

KINDS: dict[str, Kind] = {
    k.key: k for k in (RENTAL, RENOVATION, FUTURE, ELEVATOR, QUALITY, VILLAGE)
}
BY_CODE: dict[int, Kind] = {k.code: k for k in KINDS.values()}
LEDGER_CODES = tuple(BY_CODE)
KIND_CHOICES = [(k.key, k.label) for k in KINDS.values()]
