"""A year's work list from a spreadsheet (.xlsx, .xls, .et, .ods …) laid out like
附件2.

Columns 序号 | 指标体系 | 年度目标 | 工作清单 | 完成期限, the first three merged
down over an entry's items. An entry keeps the plan indicator and key task of the
earlier entry with the same name (optional columns 对应指标 and 重点任务, by
number, say otherwise). Deadlines are read from the plan's phrases ("6月底前").
Optional columns 牵头单位 and 配合单位 name an item's own units, narrowing its key
task's (tasks.services.item_units_set); left empty, the key task's units carry it.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from indicators.models import Indicator
from tasks.item_deadlines import normalise_label, parse_deadline
from tasks.models import ChecklistItem, KeyTask, WorkList, WorkListEntry
from tasks.services import check_item_units, item_units_set
from units.models import Unit
from units.selectors import unit_by_name
from yuecheng_housing.lib.cells import header_key, normal_text
from yuecheng_housing.lib.numbers import read_id, read_number
from yuecheng_housing.lib.xlsx_read import read_workbook
from yuecheng_housing.lib.xlsx_safety import ReturnFileError

HEADERS = {
    **dict.fromkeys(["序号", "序"], "seq"),
    **dict.fromkeys(["指标体系", "指标", "指标名称"], "name"),
    **dict.fromkeys(["工作清单", "工作内容"], "text"),
    **dict.fromkeys(["完成期限", "期限"], "deadline"),
    **dict.fromkeys(["对应指标"], "indicator"),
    **dict.fromkeys(["重点任务"], "key_task"),
    **dict.fromkeys(["牵头单位", "事项牵头单位"], "lead"),
    **dict.fromkeys(["配合单位", "事项配合单位", "协同单位"], "co"),
}

# 配合单位 are listed as the plan lists units: "区财政局、区发改局" (or , ; / spaces).
_UNIT_SEPARATORS = re.compile(r"[、，,；;/\s]+")


# A year's list is a few dozen rows; a file far larger is not one.
MAX_ROWS = 2_000


MAX_COLUMNS = 20


_TARGET_HEADER = re.compile(r"^(\d{4})?年?目标$")


_NAME_UNIT = re.compile(r"^(.*)[(（]([^()（）]*)[)）]$")


@dataclass
class EntryDraft:
    seq: int
    name: str
    unit: str
    target: Decimal
    indicator: Indicator | None
    key_task: KeyTask | None
    items: list["ItemDraft"] = field(default_factory=list)


@dataclass
class ItemDraft:
    text: str
    label: str
    lead: Unit | None = None  # None: the key task's units carry the item
    co_units: list[Unit] = field(default_factory=list)


@dataclass
class WorkListDraft:
    year: int | None
    entries: list[EntryDraft] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the file (macros ignored)


def parse_work_list(data: bytes, year: int | None = None) -> WorkListDraft:
    """Read the list; raise ReturnFileError if the file itself is unusable."""
    # The bounded reader of every upload, any format: merged ranges filled from
    # their top-left cell, sized and refused before anything is laid out.
    workbook = read_workbook(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    sheets = workbook.sheets
    if not sheets:
        raise ReturnFileError("文件中没有工作表。")
    rows = sheets[0][1]
    last_row = len(rows)
    last_column = max((len(r) for r in rows), default=0)
    draft = WorkListDraft(year=year, notes=workbook.notes)

    def value(row: int, col: int):
        if row > last_row or col > len(rows[row - 1]):
            return None
        return rows[row - 1][col - 1][0]

    header_row, columns = None, {}
    for row in range(1, min(last_row, 10) + 1):
        found = {}
        for col in range(1, last_column + 1):
            text = normal_text(value(row, col) or "")
            if match := _TARGET_HEADER.match(text):
                found["target"] = col
                if match.group(1) and draft.year is None:
                    draft.year = int(match.group(1))
            elif key := header_key(text, HEADERS):
                found.setdefault(key, col)
            elif draft.year is None and (m := re.search(r"(\d{4})年", text)):
                draft.year = int(m.group(1))
        if {"seq", "name", "target", "text", "deadline"} <= found.keys():
            header_row, columns = row, found
            break
    if header_row is None:
        raise ReturnFileError(
            "前10行中找不到“序号、指标体系、年度目标、工作清单、完成期限”表头。"
        )
    if draft.year is None:
        raise ReturnFileError("无法确定清单年度：请在标题或“年度目标”表头中写明年份。")

    earlier = {
        normal_text(e.name): e
        for e in WorkListEntry.objects.select_related("indicator", "key_task")
    }
    indicators = {i.code: i for i in Indicator.objects.all()}
    key_tasks = {t.number: t for t in KeyTask.objects.all()}
    current = None
    for row in range(header_row + 1, last_row + 1):
        seq, text = value(row, columns["seq"]), value(row, columns["text"])
        if seq is None and text is None:
            continue
        if normal_text(seq or "") in ("序", "序号"):
            continue  # the header repeated on a new page
        where = f"第{row}行"
        try:
            seq = read_id(seq)
        except ValueError:
            draft.errors.append(f"{where}：序号“{seq}”应为正整数")
            continue
        if current is None or current.seq != seq:
            name = normal_text(value(row, columns["name"]) or "")
            unit = ""
            if match := _NAME_UNIT.match(name):
                name, unit = match.group(1), match.group(2)
            try:
                target = read_number(value(row, columns["target"]))
            except ValueError as e:
                letter = get_column_letter(columns["target"])
                draft.errors.append(f"{where}{letter}列：年度目标{e}")
                continue
            before = earlier.get(name)
            indicator = before.indicator if before else None
            key_task = before.key_task if before else None
            try:
                if "indicator" in columns and value(row, columns["indicator"]):
                    indicator = indicators.get(
                        read_id(value(row, columns["indicator"]))
                    )
                if "key_task" in columns and value(row, columns["key_task"]):
                    key_task = key_tasks.get(read_id(value(row, columns["key_task"])))
            except ValueError as e:
                draft.errors.append(f"{where}：{e}")
                continue
            if key_task is None:
                draft.errors.append(
                    f"{where}：“{name}”在往年清单中找不到，无法确定承担的重点任务；"
                    "请增加“重点任务”列填写其序号"
                )
            current = EntryDraft(
                seq,
                name,
                unit or (before.unit_of_measure if before else ""),
                target,
                indicator,
                key_task,
            )
            draft.entries.append(current)
        label = normalise_label(str(value(row, columns["deadline"]) or ""))
        try:
            parse_deadline(label, draft.year)
        except ValueError as e:
            draft.errors.append(f"{where}：{e}")
            continue
        item = ItemDraft(normal_text(text or "").rstrip("。"), label)
        try:
            item.lead, item.co_units = _item_units(
                value(row, columns["lead"]) if "lead" in columns else None,
                value(row, columns["co"]) if "co" in columns else None,
                current.key_task,
            )
        except ValidationError as e:
            draft.errors += [f"{where}：{m}" for m in e.messages]
            continue
        current.items.append(item)
    if not draft.entries:
        draft.errors.append("没有读到任何清单条目。")
    return draft


def _item_units(
    lead_cell, co_cell, key_task: KeyTask | None
) -> tuple[Unit | None, list[Unit]]:
    """The units a row names for its item, checked against its key task."""
    lead_names = _names(lead_cell)
    co_names = _names(co_cell)
    if not lead_names and not co_names:
        return None, []
    if len(lead_names) != 1:
        raise ValidationError(
            "填写了配合单位时须填写一个牵头单位"
            if not lead_names
            else f"牵头单位只能填一个，读到{len(lead_names)}个"
        )
    lead = unit_by_name(lead_names[0])
    co_units = [unit_by_name(name) for name in co_names]
    if key_task is not None:
        check_item_units(key_task_id=key_task.pk, lead=lead, co_units=co_units)
    return lead, co_units


def _names(cell) -> list[str]:
    text = normal_text(str(cell or ""))
    return [n for n in _UNIT_SEPARATORS.split(text) if n]


@transaction.atomic
def work_list_create(*, draft: WorkListDraft) -> WorkList:
    """Create the year's work list from a checked draft; never overwrite one."""
    if draft.errors:
        raise ValidationError(draft.errors)
    if WorkList.objects.filter(year=draft.year).exists():
        raise ValidationError(
            f"{draft.year}年的工作清单已存在，不会覆盖；如需修改请在管理后台进行。"
        )
    work_list = WorkList(
        year=draft.year, title=f"{draft.year}年“住有宜居”主要指标工作清单"
    )
    work_list.full_clean()
    work_list._change_reason = "Excel导入工作清单"
    work_list.save()
    for entry in draft.entries:
        stored = WorkListEntry(
            work_list=work_list,
            seq=entry.seq,
            name=entry.name,
            unit_of_measure=entry.unit,
            target=entry.target,
            indicator=entry.indicator,
            key_task=entry.key_task,
        )
        stored.full_clean()
        stored.save()
        for position, drafted in enumerate(entry.items, 1):
            item = ChecklistItem(
                entry=stored,
                position=position,
                text=drafted.text,
                deadline_label=drafted.label,
                deadline=parse_deadline(drafted.label, draft.year),
            )
            item.full_clean()
            item.save()
            if drafted.lead is not None:
                item_units_set(
                    item=item,
                    lead=drafted.lead,
                    co_units=drafted.co_units,
                    reason="Excel导入工作清单",
                    check_user=False,
                )
    return work_list
