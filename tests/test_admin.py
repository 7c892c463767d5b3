import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.urls import reverse

from indicators.models import Target
from reporting.models import IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_every_model_has_a_chinese_changelist(admin_client_):
    for model in site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        assert (
            "系统管理" in response.content.decode()
            or "选择" in response.content.decode()
        )


def test_revising_a_target_needs_a_reason_and_keeps_the_old_value(
    admin_client_, admin_user
):
    target = Target.objects.get(indicator__code=4, year=2025)
    url = reverse("admin:indicators_target_change", args=[target.pk])
    seen = {"seen_comparator": "eq", "seen_value": "220"}
    response = admin_client_.post(url, {"comparator": "ge", "value": "230", **seen})
    assert "必填项" in response.content.decode()
    target.refresh_from_db()
    assert target.value == Decimal("220")

    response = admin_client_.post(
        url, {"comparator": "ge", "value": "230", "reason": "年中评估后上调", **seen}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.comparator, target.value) == ("ge", Decimal("230"))
    latest, earlier = target.history.all()[:2]
    assert latest.history_change_reason == "年中评估后上调"
    assert latest.history_user == admin_user
    assert (earlier.comparator, earlier.value) == ("eq", Decimal("220"))


def test_an_unchanged_target_is_not_a_revision(admin_client_):
    target = Target.objects.get(indicator__code=4, year=2025)
    url = reverse("admin:indicators_target_change", args=[target.pk])
    response = admin_client_.post(
        url,
        {
            "comparator": "eq",
            "value": "220",
            "reason": "无",
            "seen_comparator": "eq",
            "seen_value": "220",
        },
    )
    assert "目标值未改变" in response.content.decode()
    assert target.history.count() == 1


def test_targets_cannot_be_added_or_deleted_in_the_admin(admin_client_):
    assert admin_client_.get(reverse("admin:indicators_target_add")).status_code == 403
    target = Target.objects.first()
    url = reverse("admin:indicators_target_delete", args=[target.pk])
    assert admin_client_.get(url).status_code == 403


def test_a_revision_made_meanwhile_is_not_overwritten(admin_client_, admin_user):
    from indicators.services import target_revise

    target = Target.objects.get(indicator__code=6, year=2025)
    url = reverse("admin:indicators_target_change", args=[target.pk])
    target_revise(
        target=target, comparator="eq", value=Decimal("36"), user=admin_user, reason="A"
    )
    response = admin_client_.post(
        url,
        {
            "comparator": "eq",
            "value": "34",
            "reason": "B",
            "seen_comparator": "eq",
            "seen_value": "35",
        },
    )
    assert "已被他人修改" in response.content.decode()
    target.refresh_from_db()
    assert target.value == Decimal("36")


def test_every_admin_section_and_model_is_named_in_chinese():
    for model in site._registry:
        for name in (model._meta.app_config.verbose_name, model._meta.verbose_name):
            assert re.search(r"[\u4e00-\u9fff]", str(name)), (model, name)


def test_history_models_are_named_in_chinese():
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            assert "historical" not in str(model._meta.verbose_name).lower()
            assert str(model._meta.verbose_name).endswith("修改记录"), model


def test_figures_show_as_on_the_site_not_with_the_database_zeros(admin_client_, record):
    record("区建设局", 1, "2023-06", "27.28")
    page = admin_client_.get("/admin/reporting/indicatorvalue/").content.decode()
    assert "27.28" in page and "27.2800" not in page
    value = IndicatorValue.objects.get()
    page = admin_client_.get(
        f"/admin/reporting/indicatorvalue/{value.pk}/change/"
    ).content.decode()
    assert "27.28" in page and "27.2800" not in page
    page = admin_client_.get("/admin/indicators/target/?year=2023").content.decode()
    assert "1.4475" in page and "1.44750" not in page
    history = admin_client_.get(
        f"/admin/reporting/indicatorvalue/{value.pk}/history/"
    ).content.decode()
    assert "查看历史记录" in history and "27.2800" not in history


def _indicator_form(indicator, **changes) -> dict:
    """The indicator's change form as the admin page posts it."""
    data = {
        "name": indicator.name, "unit": indicator.unit,
        "domain": indicator.domain_id, "kind": indicator.kind,
        "direction": indicator.direction, "decimals": indicator.decimals,
        "aggregation": indicator.aggregation, "key_task": indicator.key_task_id,
        "note": indicator.note, "baseline": "", "progress_curve": "linear",
        "milestones": "", "reason": "",
        "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0",
    }  # fmt: skip
    return data | changes


def test_a_progress_curve_needs_a_reason_and_bad_milestones_are_refused(
    admin_client_, admin_user
):
    from indicators.models import Indicator

    indicator = Indicator.objects.get(code=6)
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    page = admin_client_.post(
        url, _indicator_form(indicator, progress_curve="milestones", milestones="13:50")
    ).content.decode()
    assert "月份应在1至12之间" in page
    page = admin_client_.post(
        url, _indicator_form(indicator, progress_curve="milestones", milestones="6:40")
    ).content.decode()
    assert "必须填写原因" in page
    indicator.refresh_from_db()
    assert indicator.progress_curve == "linear"
    response = admin_client_.post(
        url,
        _indicator_form(
            indicator,
            progress_curve="milestones",
            milestones="6:40,9:70",
            reason="未来社区集中在下半年验收",
        ),
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.progress_curve, indicator.milestones) == (
        "milestones",
        "6:40,9:70",
    )
    latest = indicator.history.first()
    assert latest.history_change_reason == "未来社区集中在下半年验收"
    assert latest.history_user == admin_user


def test_a_baseline_a_count_could_not_have_had_is_refused(admin_client_):
    from indicators.models import Indicator

    indicator = Indicator.objects.get(code=6)  # 2023 target: 25
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    page = admin_client_.post(
        url, _indicator_form(indicator, baseline="30", reason="录入基期值")
    ).content.decode()
    assert "不可能是2022年底的数" in page
    indicator.refresh_from_db()
    assert indicator.baseline is None
