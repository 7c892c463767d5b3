"""An official given 可以交办和验收督办事项 (the 专班办公室's leader, say) does the
office's steps as an admin does, by the same services and pages; an official
without it reads only; neither writes a unit's feedback."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.test import Client

from supervision.access import MANAGE_PERMISSION, may_manage, visible_items
from supervision.models import SupervisionEvent, SupervisionItem
from supervision.services import (
    item_accept,
    item_apply,
    item_cancel,
    item_extension_ask,
    item_extension_grant,
    item_extension_refuse,
    item_send_back,
    item_urge,
)
from tests.supervision.conftest import NOW, at
from units.roles import Role

pytestmark = pytest.mark.django_db
Kind = SupervisionEvent.Kind


@pytest.fixture
def office(make_user) -> User:
    user = make_user("office", Role.OFFICIAL)
    app, codename = MANAGE_PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app, codename=codename)
    )
    # A fresh instance: Django caches a user's permissions on the object.
    return User.objects.get(pk=user.pk)


def test_the_permission_makes_an_official_a_manager_and_nothing_more(
    office, official, assign
):
    item = assign()
    assert may_manage(office) and not may_manage(official)
    assert list(visible_items(office)) == [item]
    # Managing is not being responsible: the unit's feedback stays the unit's.
    with pytest.raises(PermissionDenied, match="不是该事项的责任单位"):
        item_apply(user=office, item_id=item.pk, account="代为申请办结", now=NOW)


def test_an_official_with_the_permission_walks_the_offices_steps(
    office, assign, lead_user, co_user
):
    item = assign(user=office)
    assert item.created_by == office
    item_urge(user=office, item_id=item.pk, text="请尽快召开协调会。", now=NOW)
    item_apply(
        user=lead_user,
        item_id=item.pk,
        account="已召开协调会。",
        now=at(date(2026, 6, 5)),
    )
    item_send_back(
        user=office, item_id=item.pk, reason="缺少业主签字。", now=at(date(2026, 6, 6))
    )
    item_extension_ask(
        user=co_user, item_id=item.pk, until=date(2026, 6, 30),
        reason="业主外出，需要时间。", now=at(date(2026, 6, 7)),
    )  # fmt: skip
    item_extension_grant(user=office, item_id=item.pk, now=at(date(2026, 6, 8)))
    item_apply(
        user=co_user, item_id=item.pk, account="协议已签字。", now=at(date(2026, 6, 20))
    )
    item_accept(user=office, item_id=item.pk, now=at(date(2026, 6, 21)))
    item.refresh_from_db()
    assert item.state == SupervisionItem.State.CLOSED
    assert item.deadline == date(2026, 6, 30)
    by_office = [
        e.kind for e in item.events.order_by("at", "pk") if e.actor_id == office.pk
    ]
    assert by_office == [
        Kind.ASSIGN,
        Kind.URGE,
        Kind.SEND_BACK,
        Kind.EXTENSION_GRANT,
        Kind.ACCEPT,
    ]

    other = assign(title="另一事项", user=office)
    item_extension_ask(
        user=lead_user, item_id=other.pk, until=date(2026, 7, 30), reason="需要协调",
        now=at(date(2026, 6, 2)),
    )  # fmt: skip
    item_extension_refuse(
        user=office, item_id=other.pk, reason="期限不能再延。", now=at(date(2026, 6, 3))
    )
    item_cancel(
        user=office,
        item_id=other.pk,
        reason="并入另一事项办理。",
        now=at(date(2026, 6, 4)),
    )
    other.refresh_from_db()
    assert other.state == SupervisionItem.State.CANCELLED
    assert other.deadline == date(2026, 6, 15)


def test_an_official_without_it_is_refused_each_step_and_nothing_changes(
    official, assign, lead_user
):
    item = assign()
    item_apply(user=lead_user, item_id=item.pk, account="已召开协调会。", now=NOW)
    item.refresh_from_db()
    version, events = item.version, item.events.count()
    for step, kwargs in (
        (item_accept, {}),
        (item_send_back, {"reason": "缺少材料。"}),
        (item_extension_grant, {}),
        (item_extension_refuse, {"reason": "不同意。"}),
        (item_cancel, {"reason": "不再需要。"}),
        (item_urge, {"text": "请抓紧。"}),
    ):
        with pytest.raises(PermissionDenied, match="只有管理员（督办办公室）可以"):
            step(user=official, item_id=item.pk, now=NOW, **kwargs)
    item.refresh_from_db()
    assert (item.version, item.events.count()) == (version, events)
    assert item.state == SupervisionItem.State.APPLIED


def test_the_pages_offer_the_offices_forms_to_the_permission_only(
    office, official, assign, lead_user
):
    item = assign()
    item_apply(user=lead_user, item_id=item.pk, account="已召开协调会。", now=NOW)
    item.refresh_from_db()
    with_permission, without = Client(), Client()
    with_permission.force_login(office)
    without.force_login(official)
    assert with_permission.get("/supervision/new/").status_code == 200
    assert without.get("/supervision/new/").status_code == 403
    page = with_permission.get(f"/supervision/{item.pk}/").content.decode()
    for action in ("accept", "send_back", "cancel"):
        assert f'action="/supervision/{item.pk}/{action}/"' in page
    official_page = without.get(f"/supervision/{item.pk}/").content.decode()
    assert f"/supervision/{item.pk}/accept/" not in official_page
    refused = without.post(f"/supervision/{item.pk}/accept/", {"version": item.version})
    assert refused.status_code == 403
    done = with_permission.post(
        f"/supervision/{item.pk}/accept/", {"version": item.version}, follow=True
    )
    assert "已验收办结" in done.content.decode()
    item.refresh_from_db()
    assert item.state == SupervisionItem.State.CLOSED
