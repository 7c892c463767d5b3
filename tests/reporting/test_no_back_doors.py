"""No admin URL rewrites locked or derived data behind the services' back."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import Indicator, Target
from reporting.district import district_values_check
from reporting.models import DistrictValue, MonthlyReport
from reporting.transitions import report_approve, report_reopen, report_submit
from tasks.models import ChecklistItem, KeyTask
from units.models import Unit
from units.roles import Role, user_role
from yuecheng_housing.lib.history_admin import HistoryAdmin

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def _history_form_url(obj) -> str:
    opts = obj._meta
    version = obj.history.first()
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, version.history_id],
    )


def test_every_history_page_refuses_a_revert(admin_client_):
    with_history = [
        (model, model_admin)
        for model, model_admin in site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    ]
    assert len(with_history) >= 10
    for model, model_admin in with_history:
        assert isinstance(model_admin, HistoryAdmin), model
        assert model_admin.revert_disabled(None), model


def test_an_approved_value_cannot_be_rewritten_from_its_history_page(
    admin_client_, record
):
    stored = record("区建设局", 2, "2023-06", "1.3")
    url = _history_form_url(stored)
    assert admin_client_.get(url).status_code == 200  # the past can be read
    response = admin_client_.post(url, {"value": "9.9", "note": "改"})
    assert response.status_code == 403
    stored.refresh_from_db()
    assert stored.value == Decimal("1.3") and stored.version == 1
    report = MonthlyReport.objects.get(pk=stored.report_id)
    response = admin_client_.post(_history_form_url(report), {"status": "draft"})
    assert response.status_code == 403
    assert MonthlyReport.objects.get(pk=report.pk).status == "approved"
    target = Target.objects.get(indicator__code=2, year=2023)
    response = admin_client_.post(
        _history_form_url(target), {"comparator": "eq", "value": "1"}
    )
    assert response.status_code == 403
    assert Target.objects.get(pk=target.pk).value != 1


def test_adding_a_town_in_the_admin_rebuilds_the_summed_figures_from_its_month(
    admin_client_, record, admin_user
):
    record("区建设局", 4, "2023-06", "150")
    record("区建设局", 4, "2023-07", "155")
    group = Unit.objects.get(name="各镇街")
    url = reverse("admin:units_unit_change", args=[group.pk])
    form = {
        "name": group.name, "kind": "group", "position": group.position,
        "aliases": "", "is_active": "on", "contact_emails": "",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
        "members-0-name": "府山街道", "members-0-kind": "town",
        "members-0-position": "1", "members-0-is_active": "on",
        "members-0-reports_from": "2023-07-15",  # the month counts, not the day
    }  # fmt: skip
    # From July the town would report indicator 4 and has not: July's approved
    # figure (区建设局's 155) would vanish. Refused, nothing saved.
    response = admin_client_.post(url, form, follow=True)
    page = response.content.decode()
    assert "该修改会改变已审核月份的全区数" in page
    assert "老旧小区累计改造个数 2023年7月 155 → 无" in page
    assert "已成功" not in page
    assert not Unit.objects.filter(name="府山街道").exists()
    assert (
        DistrictValue.objects.get(indicator__code=4, period="2023-07-01").value == 155
    )
    # Reopened, July no longer holds an approved figure: the town joins from July.
    report = MonthlyReport.objects.get(unit__name="区建设局", period="2023-07-01")
    report_reopen(user=admin_user, report=report, reason="镇街自7月起分报")
    response = admin_client_.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    town = Unit.objects.get(name="府山街道")
    assert town.reports_from == date(2023, 7, 1)
    # June keeps 区建设局's approved figure; from July the town reports indicator 4
    # and has not yet: no district figure, and 区建设局's July value no longer counts.
    june = DistrictValue.objects.get(indicator__code=4, period="2023-06-01")
    assert (june.value, june.units_expected) == (Decimal("150"), 1)
    july = DistrictValue.objects.filter(indicator__code=4, period="2023-07-01")
    assert not july.exclude(value=None).exists()
    assert district_values_check() == []
    # The town merged away after July: its months stay, later ones go back to the lead.
    response = admin_client_.post(
        reverse("admin:units_unit_change", args=[town.pk]),
        {"name": town.name, "kind": "town", "parent": group.pk, "position": 1,
         "aliases": "", "contact_emails": "", "reports_from": "2023-07-01",
         "reports_until": "2023-06-01"},
    )  # fmt: skip
    assert "止报月份不能早于起报月份" in response.content.decode()
    response = admin_client_.post(
        reverse("admin:units_unit_change", args=[town.pk]),
        {"name": town.name, "kind": "town", "parent": group.pk, "position": 1,
         "aliases": "", "contact_emails": ""},
    )  # fmt: skip
    assert response.status_code == 302
    # Switched off with no end month: it never counted; 区建设局 reports every month,
    # and its July, approved again, is the district's figure.
    report_approve(
        user=admin_user, report=report_submit(user=admin_user, report=report)
    )
    july = DistrictValue.objects.get(indicator__code=4, period="2023-07-01")
    assert july.value == Decimal("155") and district_values_check() == []


def test_changing_an_indicators_aggregation_keeps_the_figures_true(
    admin_client_, record, towns
):
    record("府山街道", 4, "2023-05", "40", status="submitted")
    record("北海街道", 4, "2023-05", "30", status="submitted")
    indicator = Indicator.objects.get(code=4)
    indicator.aggregation = Indicator.Aggregation.WHOLE
    indicator.save()  # behind the admin's back: stale, and the check says so
    assert district_values_check() != []
    indicator.aggregation = Indicator.Aggregation.SUM
    indicator.save()
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "aggregation": "whole",
            "domain": indicator.domain_id,
            "key_task": indicator.key_task_id,
            "targets-TOTAL_FORMS": "5",
            "targets-INITIAL_FORMS": "5",
        }
    )
    for i, target in enumerate(indicator.targets.order_by("year")):
        data[f"targets-{i}-id"] = target.pk
        data[f"targets-{i}-indicator"] = indicator.pk
    data.pop("history", None)
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert district_values_check() == []
    assert not DistrictValue.objects.filter(indicator=indicator).exclude(value=None)


def test_an_aggregation_change_that_rewrites_approved_months_is_refused(
    admin_client_, record, towns
):
    record("府山街道", 4, "2023-05", "40")
    record("北海街道", 4, "2023-05", "30")
    indicator = Indicator.objects.get(code=4)
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "aggregation": "whole",
            "domain": indicator.domain_id,
            "key_task": indicator.key_task_id,
            "targets-TOTAL_FORMS": "5",
            "targets-INITIAL_FORMS": "5",
        }
    )
    for i, target in enumerate(indicator.targets.order_by("year")):
        data[f"targets-{i}-id"] = target.pk
        data[f"targets-{i}-indicator"] = indicator.pk
    data.pop("history", None)
    page = admin_client_.post(url, data, follow=True).content.decode()
    assert "老旧小区累计改造个数 2023年5月 70 → 无" in page
    indicator.refresh_from_db()
    assert indicator.aggregation == "sum"
    assert DistrictValue.objects.get(indicator=indicator).value == 70


def test_the_check_command_finds_and_the_rebuild_fixes_a_stale_table(record):
    record("区建设局", 2, "2023-06", "1.3")
    call_command("rebuild_district_values", "--check", stdout=io.StringIO())
    DistrictValue.objects.filter(indicator__code=2).update(value=Decimal("7"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1处与重算结果不一致"):
        call_command("rebuild_district_values", "--check", stdout=out)
    assert "2023年6月" in out.getvalue()
    call_command("rebuild_district_values", stdout=io.StringIO())
    assert district_values_check() == []
    june = DistrictValue.objects.get(indicator__code=2)
    assert june.value == Decimal("1.3")


def test_the_user_admin_saves_through_the_account_service(admin_client_):
    add = reverse("admin:auth_user_add")
    form = {
        "username": "wang", "password1": "correct-horse-battery-9",
        "password2": "correct-horse-battery-9", "first_name": "王", "email": "",
        "role": "reporter",
    }  # fmt: skip
    response = admin_client_.post(add, form)
    assert "填报员必须至少属于一个单位" in response.content.decode()
    assert not User.objects.filter(username="wang").exists()
    unit = Unit.objects.get(name="区建设局")
    group = Unit.objects.get(name="各镇街")
    response = admin_client_.post(add, {**form, "units": [group.pk]})
    assert not User.objects.filter(username="wang").exists()
    response = admin_client_.post(add, {**form, "units": [unit.pk]})
    assert response.status_code == 302
    wang = User.objects.get(username="wang")
    assert user_role(wang) == Role.REPORTER and list(wang.units.all()) == [unit]
    assert wang.check_password("correct-horse-battery-9") and not wang.is_staff
    change = reverse("admin:auth_user_change", args=[wang.pk])
    response = admin_client_.post(
        change, {"first_name": "王", "email": "", "is_active": "on", "role": "admin"}
    )
    assert response.status_code == 302
    wang = User.objects.get(username="wang")
    assert user_role(wang) == Role.ADMIN and wang.is_staff
    assert wang.account.history.count() == 2  # who changed the role, and when


def test_a_unit_page_does_not_edit_its_members_accounts(admin_client_):
    unit = Unit.objects.get(name="区建设局")
    page = admin_client_.get(reverse("admin:units_unit_change", args=[unit.pk]))
    assert 'name="users"' not in page.content.decode()


def test_a_key_task_always_has_one_lead(admin_client_):
    task = KeyTask.objects.get(number=4)
    rows = list(task.responsibilities.order_by("position"))
    url = reverse("admin:tasks_keytask_change", args=[task.pk])
    data = {
        "number": task.number, "section": task.section_id, "title": task.title,
        "text": task.text,
        "responsibilities-TOTAL_FORMS": str(len(rows)),
        "responsibilities-INITIAL_FORMS": str(len(rows)),
    }  # fmt: skip
    for i, r in enumerate(rows):
        data |= {
            f"responsibilities-{i}-id": r.pk,
            f"responsibilities-{i}-key_task": task.pk,
            f"responsibilities-{i}-unit": r.unit_id,
            f"responsibilities-{i}-position": r.position,
        }
    data["responsibilities-0-DELETE"] = "on"  # the lead removed, nobody moved up
    response = admin_client_.post(url, data)
    assert "排位须从1起连续编号" in response.content.decode()
    assert task.responsibilities.count() == len(rows)


def test_an_items_deadline_is_read_from_its_phrase(admin_client_):
    item = ChecklistItem.objects.get(
        entry__work_list__year=2023, deadline_label="4月中旬"
    )
    url = reverse("admin:tasks_checklistitem_change", args=[item.pk])
    data = {"entry": item.entry_id, "position": item.position, "text": item.text}
    response = admin_client_.post(url, {**data, "deadline_label": "下个月"})
    assert "无法识别的完成期限" in response.content.decode()
    response = admin_client_.post(url, {**data, "deadline_label": "9 月底前"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.deadline_label, item.deadline) == ("9月底前", date(2023, 9, 30))
