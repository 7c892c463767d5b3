"""An import writes only what its preview showed: a row changed since — by a
unit's entry or by another import — is refused, never overwritten."""

from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Indicator
from reporting.import_jobs import batch_commit, batch_logs, imports_queue
from reporting.models import IndicatorValue, ItemProgress
from reporting.services import indicator_value_save, item_progress_save
from tasks.models import ChecklistItem
from tests.reporting.test_returns import xlsx
from units.models import Unit

pytestmark = pytest.mark.django_db
HEADER = ["指标编号", "填报单位", "期间", "本期数值"]
JUNE = date(2023, 6, 1)


def preview(admin_user, rows, name="六月.xlsx", items=None):
    batch = imports_queue(
        files=[(name, xlsx([HEADER, *rows], items=items))],
        user=admin_user,
        submit=False,
    )
    (log,) = batch_logs(batch)
    assert log.status == "preview", log.outcome
    return batch


def commit(batch, admin_user):
    batch_commit(batch=batch, user=admin_user)
    (log,) = batch_logs(batch)
    return log


def save(admin_user, code: int, value: str):
    return indicator_value_save(
        user=admin_user,
        unit=Unit.objects.get(name="区建设局"),
        indicator=Indicator.objects.get(code=code),
        period=JUNE,
        value=Decimal(value),
    )


def stored(code: int) -> Decimal:
    return IndicatorValue.objects.get(indicator__code=code, report__period=JUNE).value


def test_a_value_saved_after_the_preview_is_not_overwritten(admin_user):
    save(admin_user, 3, "51")
    batch = preview(
        admin_user, [[3, "区建设局", "2023-06", 70], [1, "区建设局", "2023-06", 30]]
    )
    save(admin_user, 3, "65")  # the unit corrects its figure meanwhile
    log = commit(batch, admin_user)
    assert log.status == "failed"
    assert any("预览后该数据已被修改（现为65）" in e for e in log.outcome["errors"])
    assert stored(3) == 65  # and nothing else of the file was written
    assert not IndicatorValue.objects.filter(indicator__code=1).exists()


def test_an_import_of_an_untouched_preview_goes_ahead(admin_user):
    save(admin_user, 3, "51")
    batch = preview(admin_user, [[3, "区建设局", "2023-06", 70]])
    log = commit(batch, admin_user)
    assert (log.status, log.changed) == ("imported", 1)
    assert stored(3) == 70


def test_of_two_overlapping_imports_the_second_sees_the_first(admin_user):
    first = preview(admin_user, [[3, "区建设局", "2023-06", 42]], name="甲.xlsx")
    second = preview(admin_user, [[3, "区建设局", "2023-06", 43]], name="乙.xlsx")
    assert commit(first, admin_user).status == "imported"
    log = commit(second, admin_user)
    assert log.status == "failed"
    assert "预览后该数据已被修改（现为42）" in log.outcome["errors"][0]
    assert stored(3) == 42


def test_a_row_changed_to_the_files_own_value_is_no_conflict(admin_user):
    batch = preview(admin_user, [[3, "区建设局", "2023-06", 70]])
    save(admin_user, 3, "70")
    log = commit(batch, admin_user)
    assert (log.status, log.unchanged) == ("imported", 1)


def test_item_progress_saved_after_the_preview_is_not_overwritten(admin_user):
    item = ChecklistItem.objects.filter(entry__work_list__year=2023).first()
    unit = Unit.objects.get(name="区建设局")
    items = [
        ["清单编号", "填报单位", "期间", "进展状态"],
        [item.pk, "区建设局", "2023-06", "推进中"],
    ]
    batch = preview(admin_user, [], items=items)
    item_progress_save(
        user=admin_user, unit=unit, item=item, period=JUNE, status="done",
        completed_on=date(2023, 6, 10),
    )  # fmt: skip
    log = commit(batch, admin_user)
    assert log.status == "failed"
    assert "预览后该数据已被修改（现为已完成）" in log.outcome["errors"][0]
    assert ItemProgress.objects.get(item=item).status == "done"
