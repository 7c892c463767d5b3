from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from supervision.models import SupervisionEvent, SupervisionItem
from supervision.services import (
    item_accept,
    item_apply,
    item_cancel,
    item_extension_ask,
    item_extension_grant,
    item_extension_refuse,
    item_receive,
    item_send_back,
    item_urge,
)
from tests.supervision.conftest import NOW, TODAY, at
from yuecheng_housing.lib.errors import Conflict

pytestmark = pytest.mark.django_db

State = SupervisionItem.State
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def kinds(item) -> list[str]:
    return list(
        SupervisionEvent.objects.filter(item=item)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )


def test_assignment_keeps_units_in_order_and_starts_the_story(assign, towns):
    item = assign()
    assert item.state == State.ASSIGNED
    assert [r.unit.name for r in item.responsible.order_by("position")] == [
        "区建设局",
        "府山街道",
    ]
    assert kinds(item) == ["assign"]
    assert item.history.count() == 1


def test_a_deadline_before_the_assignment_is_refused(assign):
    with pytest.raises(ValidationError) as e:
        assign(assigned_on=date(2026, 5, 20), deadline=date(2026, 5, 19))
    assert "办结期限（2026-05-19）不能早于交办日期（2026-05-20）" in str(e.value)
    assert not SupervisionItem.objects.exists()


def test_a_group_or_a_repeated_unit_is_refused(assign, jianshe):
    from units.models import Unit

    with pytest.raises(ValidationError, match="单位分组"):
        assign(units=[Unit.objects.get(name="各镇街")])
    with pytest.raises(ValidationError, match="重复列出"):
        assign(units=[jianshe, jianshe])
    with pytest.raises(ValidationError, match="至少选择一个牵头单位"):
        assign(units=[])


def test_only_the_office_assigns(assign, lead_user):
    with pytest.raises(PermissionDenied):
        assign(user=lead_user)


def test_a_bad_attachment_refuses_the_whole_assignment(assign):
    bad = SimpleUploadedFile("会议纪要.pdf", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError, match="不是允许的类型"):
        assign(files=[bad])
    assert not SupervisionItem.objects.exists()


def test_whole_life_assign_receive_apply_send_back_apply_accept(
    assign, lead_user, co_user, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = assign()
    item = item_receive(user=co_user, item_id=item.pk, expected_version=1, now=NOW)
    assert item.state == State.IN_PROGRESS
    photo = SimpleUploadedFile("现场.png", PNG)
    item = item_apply(
        user=lead_user, item_id=item.pk, account="已召开协调会，达成一致。",
        files=[photo], expected_version=2, now=at(date(2026, 6, 10)),
    )  # fmt: skip
    assert (item.state, item.applied_on) == (State.APPLIED, date(2026, 6, 10))
    item = item_send_back(
        user=admin_user, item_id=item.pk, reason="缺少业主签字的协议。",
        expected_version=3, now=at(date(2026, 6, 11)),
    )  # fmt: skip
    assert (item.state, item.applied_on) == (State.IN_PROGRESS, None)
    item = item_apply(
        user=co_user, item_id=item.pk, account="补充协议已签字，附后。",
        expected_version=4, now=at(date(2026, 6, 16)),
    )  # fmt: skip
    item = item_accept(
        user=admin_user, item_id=item.pk, expected_version=5,
        now=at(date(2026, 6, 20)),
    )  # fmt: skip
    assert item.state == State.CLOSED
    # Closed late: the accepted application came a day after the deadline.
    assert (item.finished_on, item.closed_on) == (date(2026, 6, 16), date(2026, 6, 20))
    assert kinds(item) == ["assign", "receive", "apply", "send_back", "apply", "accept"]
    assert item.evidence.get().original_name == "现场.png"
    assert item.history.count() == 6
    units = [e.unit.name if e.unit else None for e in item.events.order_by("at", "pk")]
    assert units == [None, "府山街道", "区建设局", None, "府山街道", None]


def test_feedback_from_a_unit_not_responsible_is_refused(assign, other_user):
    item = assign()
    with pytest.raises(PermissionDenied):
        item_apply(user=other_user, item_id=item.pk, account="已办结完毕。")
    with pytest.raises(PermissionDenied):
        item_receive(user=other_user, item_id=item.pk)
    item.refresh_from_db()
    assert (item.state, item.version) == (State.ASSIGNED, 1)


def test_accepting_twice_is_refused(assign, lead_user, admin_user):
    item = assign()
    item_apply(user=lead_user, item_id=item.pk, account="已办结完毕。", now=NOW)
    item_accept(user=admin_user, item_id=item.pk, now=NOW)
    with pytest.raises(Conflict, match="已办结，不能重复办结") as e:
        item_accept(user=admin_user, item_id=item.pk, now=NOW)
    assert e.value.code == "already_closed"
    assert kinds(item).count("accept") == 1


@pytest.mark.parametrize(
    "transition",
    [
        lambda item, admin, lead: item_accept(user=admin, item_id=item.pk),
        lambda item, admin, lead: item_send_back(
            user=admin, item_id=item.pk, reason="材料不全，请补充。"
        ),
        lambda item, admin, lead: item_extension_grant(user=admin, item_id=item.pk),
    ],
    ids=["accept", "send_back", "grant"],
)
def test_transitions_from_the_wrong_state_are_refused(
    assign, admin_user, lead_user, transition
):
    item = assign()
    with pytest.raises(Conflict):
        transition(item, admin_user, lead_user)
    item.refresh_from_db()
    assert (item.state, item.version) == (State.ASSIGNED, 1)
    assert kinds(item) == ["assign"]


def test_a_closed_or_cancelled_item_takes_no_feedback(assign, lead_user, admin_user):
    item = assign()
    item_cancel(user=admin_user, item_id=item.pk, reason="已并入其他事项办理。")
    with pytest.raises(Conflict, match="已撤销"):
        item_apply(user=lead_user, item_id=item.pk, account="已办结完毕。")
    with pytest.raises(Conflict):
        item_cancel(user=admin_user, item_id=item.pk, reason="再次撤销试试。")


def test_a_unit_cannot_accept_its_own_item(assign, lead_user):
    item = assign()
    item_apply(user=lead_user, item_id=item.pk, account="已办结完毕。")
    with pytest.raises(PermissionDenied):
        item_accept(user=lead_user, item_id=item.pk)


def test_a_stale_version_is_refused(assign, lead_user, co_user):
    item = assign()
    item_receive(user=co_user, item_id=item.pk, expected_version=1)
    with pytest.raises(Conflict, match="已被他人修改") as e:
        item_apply(
            user=lead_user, item_id=item.pk, account="已办结完毕。", expected_version=1
        )
    assert e.value.code == "stale"


def test_reasons_are_required(assign, lead_user, admin_user):
    item = assign()
    with pytest.raises(ValidationError, match="请填写办理情况"):
        item_apply(user=lead_user, item_id=item.pk, account="好")
    item_apply(user=lead_user, item_id=item.pk, account="已办结完毕。")
    with pytest.raises(ValidationError, match="请填写退回理由"):
        item_send_back(user=admin_user, item_id=item.pk, reason=" ")
    with pytest.raises(ValidationError, match="请填写撤销理由"):
        item_cancel(user=admin_user, item_id=item.pk, reason="")


def test_extension_granted_moves_the_deadline(assign, lead_user, admin_user):
    item = assign()
    with pytest.raises(ValidationError, match="须晚于现办结期限"):
        item_extension_ask(
            user=lead_user, item_id=item.pk, until=date(2026, 6, 15),
            reason="业主意见分歧较大。",
        )  # fmt: skip
    item_extension_ask(
        user=lead_user, item_id=item.pk, until=date(2026, 6, 30),
        reason="业主意见分歧较大。",
    )  # fmt: skip
    with pytest.raises(Conflict, match="待审批"):
        item_extension_ask(
            user=lead_user, item_id=item.pk, until=date(2026, 7, 30),
            reason="再延一个月。",
        )  # fmt: skip
    item = item_extension_grant(user=admin_user, item_id=item.pk)
    assert item.deadline == date(2026, 6, 30)
    assert item.extension_until is None
    assert kinds(item)[-2:] == ["extension_ask", "extension_grant"]
    assert item.events.last().text == "办结期限由2026-06-15延至2026-06-30"


def test_extension_refused_keeps_the_deadline(assign, lead_user, admin_user):
    item = assign()
    item_extension_ask(
        user=lead_user, item_id=item.pk, until=date(2026, 6, 30),
        reason="业主意见分歧较大。",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        item_extension_refuse(user=admin_user, item_id=item.pk, reason="")
    item = item_extension_refuse(
        user=admin_user, item_id=item.pk, reason="时间节点不能后移。"
    )
    assert (item.deadline, item.extension_until) == (date(2026, 6, 15), None)
    with pytest.raises(Conflict, match="没有待审批的延期申请"):
        item_extension_grant(user=admin_user, item_id=item.pk)


def test_urge_is_recorded_without_changing_the_item(assign, admin_user, lead_user):
    item = assign()
    event = item_urge(user=admin_user, item_id=item.pk, text="请加快进度。", now=NOW)
    item.refresh_from_db()
    assert (event.kind, event.mailed_on, event.on) == ("urge", None, TODAY)
    assert item.version == 1
    with pytest.raises(PermissionDenied):
        item_urge(user=lead_user, item_id=item.pk)
