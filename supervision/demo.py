"""A handful of believable 督办事项 for the demo (`manage.py demo_data`), each
walked through its life by the services on the days it happened, so that its
story reads as it would have been written: closed on time, closed late after a
return, overdue and urged, due soon, an extension awaiting a decision, an
application awaiting acceptance, and one cancelled."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser

from supervision.services import (
    ItemData,
    item_accept,
    item_apply,
    item_assign,
    item_cancel,
    item_extension_ask,
    item_receive,
    item_send_back,
    item_urge,
)
from units.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(today: date, days: int, hour: int = 10) -> datetime:
    day = today + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def demo_items_write(*, user: AbstractBaseUser, today: date) -> int:
    """Write the demo items relative to `today` through the services; return how
    many. `user` is an admin: it assigns, and answers for the lead unit."""
    units = {u.name: u for u in Unit.objects.all()}

    def assign(source, title, names, assigned, deadline, text) -> int:
        data = ItemData(
            source=source,
            title=title,
            units=[units[n] for n in names],
            assigned_on=(today + timedelta(days=assigned)),
            deadline=today + timedelta(days=deadline),
            text=text,
        )
        return item_assign(user=user, data=data, now=_at(today, assigned)).pk

    def step(service, days, **kwargs):
        return service(user=user, now=_at(today, days, 15), **kwargs)

    pk = assign(
        "instruction",
        "两周内完成塔山街道某小区加装电梯矛盾调处",
        ["区建设局", "塔山街道"],
        -20,
        -6,
        "区领导批示：低层住户与高层住户意见分歧，请牵头调处，形成一致意见。",
    )
    step(item_receive, -19, item_id=pk)
    step(
        item_apply,
        -8,
        item_id=pk,
        account="已召开三次协调会，签订加装电梯协议，低层住户补偿方案已落实。",
    )
    step(item_accept, -7, item_id=pk, comment="材料齐全，同意办结。")

    pk = assign(
        "meeting",
        "老旧小区改造施工扰民投诉集中处理",
        ["府山街道", "区建设局"],
        -40,
        -10,
        "月度工作例会交办：近期12345热线投诉集中，请限期处理并回访。",
    )
    step(item_receive, -38, item_id=pk)
    step(item_apply, -12, item_id=pk, account="已约谈施工单位，调整作业时间。")
    step(item_send_back, -11, item_id=pk, reason="缺少投诉人回访记录，请补充后再申请。")
    step(
        item_apply,
        -5,
        item_id=pk,
        account="已逐户回访投诉人，满意率100%，回访记录附后。",
    )
    step(item_accept, -4, item_id=pk)

    pk = assign(
        "inspection",
        "城中村出租房消防通道堵塞整改",
        ["北海街道", "区消防救援大队"],
        -30,
        -3,
        "专项督查发现：3处出租房消防通道被杂物堵塞。",
    )
    step(item_receive, -28, item_id=pk)
    item_urge(
        user=user,
        item_id=pk,
        text="已逾期，请于本周内整改到位并反馈。",
        now=_at(today, 0, 9),
    )

    pk = assign(
        "public",
        "保障性租赁住房项目交付延迟的答复",
        ["区建设局", "区房征办"],
        -12,
        2,
        "群众反映：项目交付时间一再推迟，请核实并书面答复。",
    )
    step(item_receive, -11, item_id=pk)

    pk = assign(
        "meeting",
        "未来社区创建方案报送",
        ["区发改局", "灵芝街道"],
        -15,
        20,
        "按省里要求报送未来社区创建方案。",
    )
    step(item_receive, -14, item_id=pk)
    step(
        item_extension_ask,
        -2,
        item_id=pk,
        until=today + timedelta(days=35),
        reason="省级评审指南尚未印发，需待指南印发后完善方案。",
    )

    pk = assign(
        "instruction",
        "危房解危进度专题汇报",
        ["灵芝街道"],
        -9,
        10,
        "区领导批示：请专题汇报辖区C、D级危房解危进度。",
    )
    step(item_apply, -1, item_id=pk, account="专题汇报材料已报送区建设局。")

    pk = assign(
        "other",
        "小区物业费调价争议调处",
        ["东湖街道"],
        -25,
        5,
        "业主反映物业费调价未经业主大会表决。",
    )
    step(item_cancel, -6, item_id=pk, reason="已转由区市场监管局按价格投诉办理。")
    return 7
