"""Load the plan as issued (fixtures/*.json) into the database.

The loader only ever adds what is missing. A record that exists but differs from the
fixture — a target an admin has since revised, a unit renamed — is reported and left
as it is: the plan allows targets to be adjusted after evaluation, and the database
holds the adjusted truth. The whole load is one transaction: a broken fixture raises
PlanFixtureError naming the file and record, and nothing is written.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from indicators.models import Domain, Indicator, Target
from indicators.plan_text import parse_target
from tasks.models import (
    ChecklistItem,
    KeyTask,
    Responsibility,
    Section,
    WorkList,
    WorkListEntry,
)
from units.models import Unit

FIXTURES_DIR = settings.BASE_DIR / "fixtures"


LOAD_REASON = "载入方案原文"


class PlanFixtureError(Exception):
    """A fixture that cannot be loaded; the message names the file and the record."""

    def __init__(self, path: Path, record: str, message: str) -> None:
        self.path, self.record, self.message = path, record, message
        super().__init__(f"{path.name}（{record}）：{message}")


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    differences: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created)


class _Loader:
    def __init__(self, fixtures_dir: Path) -> None:
        self.dir = fixtures_dir
        self.report = LoadReport()
        self.path = fixtures_dir
        self.record = ""

    def error(self, message: str) -> PlanFixtureError:
        return PlanFixtureError(self.path, self.record, message)

    def read(self, name: str) -> dict[str, Any]:
        self.path, self.record = self.dir / name, "文件"
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise self.error("文件不存在") from None
        except json.JSONDecodeError as e:
            raise self.error(
                f"不是有效的 JSON（第{e.lineno}行第{e.colno}列）"
            ) from None

    def sync(
        self,
        model: type[models.Model],
        lookup: dict[str, Any],
        values: dict[str, Any],
        describe: str,
        initial: dict[str, Any] | None = None,
    ) -> models.Model:
        """Create the record if missing; if it exists, report fields that differ.
        `initial`: values set on creation only, an admin's to change later."""
        label = model._meta.verbose_name
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values, **(initial or {}))
            try:
                obj.full_clean()
            except ValidationError as e:
                raise self.error(_validation_text(e)) from None
            obj._change_reason = LOAD_REASON
            obj.save()
            self.report.created[label] += 1
            return obj
        differs = False
        for name, wanted in values.items():
            current = getattr(obj, name)
            if _same(current, wanted):
                continue
            differs = True
            self.report.differences.append(
                f"{label}“{describe}”的{model._meta.get_field(name).verbose_name}："
                f"数据库中为“{_show(current)}”，方案原文为“{_show(wanted)}”，"
                "保留数据库中的值。"
            )
        if not differs:
            self.report.unchanged[label] += 1
        return obj

    def field(self, record: dict[str, Any], name: str) -> Any:
        try:
            return record[name]
        except (KeyError, TypeError):
            raise self.error(f"缺少字段“{name}”") from None

    def decimal(self, text: Any) -> Decimal:
        try:
            return Decimal(str(text))
        except InvalidOperation:
            raise self.error(f"“{text}”不是数值") from None

    def units(self) -> None:
        data = self.read("units.json")
        for i, record in enumerate(self.field(data, "records"), 1):
            self.record = f"第{i}条"
            name = self.field(record, "name")
            self.record = f"第{i}条 {name}"
            self.sync(
                Unit,
                {"name": name},
                {
                    "kind": self.field(record, "kind"),
                    "position": self.field(record, "position"),
                },
                name,
            )

    def key_tasks(self) -> None:
        data = self.read("key_tasks.json")
        for record in self.field(data, "sections"):
            number = self.field(record, "number")
            self.record = f"板块{number}"
            self.sync(
                Section,
                {"number": number},
                {
                    "title": self.field(record, "title"),
                    "text": self.field(record, "text"),
                },
                self.field(record, "title"),
            )
        sections = {s.number: s for s in Section.objects.all()}
        units = {u.name: u for u in Unit.objects.all()}
        for record in self.field(data, "records"):
            number = self.field(record, "number")
            self.record = f"重点任务{number}"
            section = sections.get(self.field(record, "section"))
            if section is None:
                raise self.error(f"板块“{record['section']}”不存在")
            task = self.sync(
                KeyTask,
                {"number": number},
                {
                    "section": section,
                    "title": self.field(record, "title"),
                    "text": self.field(record, "text"),
                },
                f"{number}. {record['title']}",
            )
            names = self.field(record, "units")
            if not names:
                raise self.error("没有责任单位")
            for position, name in enumerate(names, 1):
                if name not in units:
                    raise self.error(f"责任单位“{name}”不在附件1名单中")
                self.sync(
                    Responsibility,
                    {"key_task": task, "unit": units[name]},
                    {"position": position},
                    f"{task} · {name}",
                )

    def indicators(self) -> None:
        data = self.read("indicators.json")
        for position, name in enumerate(self.field(data, "domains"), 1):
            self.record = f"领域“{name}”"
            self.sync(Domain, {"name": name}, {"position": position}, name)
        domains = {d.name: d for d in Domain.objects.all()}
        key_tasks = {t.number: t for t in KeyTask.objects.all()}
        for record in self.field(data, "records"):
            code = self.field(record, "code")
            self.record = f"指标{code}"
            domain = domains.get(self.field(record, "domain"))
            if domain is None:
                raise self.error(f"领域“{record['domain']}”不存在")
            key_task = key_tasks.get(self.field(record, "key_task"))
            if key_task is None:
                raise self.error(f"重点任务“{record['key_task']}”不存在")
            indicator = self.sync(
                Indicator,
                {"code": code},
                {
                    "name": self.field(record, "name"),
                    "unit": self.field(record, "unit"),
                    "label": self.field(record, "label"),
                    "domain": domain,
                    "kind": self.field(record, "kind"),
                    "aggregation": record.get("aggregation", "whole"),
                    "decimals": self.field(record, "decimals"),
                    "key_task": key_task,
                    "note": record.get("note", ""),
                },
                f"{code}. {record['name']}",
                initial={"progress_curve": record.get("progress_curve", "linear")},
            )
            for year, text in self.field(record, "targets").items():
                self.record = f"指标{code} {year}年目标"
                try:
                    comparator, value = parse_target(str(text))
                except ValueError as e:
                    raise self.error(str(e)) from None
                if not str(year).isdigit():
                    raise self.error(f"年度“{year}”不是数字")
                self.sync(
                    Target,
                    {"indicator": indicator, "year": int(year)},
                    {"comparator": comparator, "value": value},
                    f"{indicator.name} {year}年",
                )

    def work_lists(self) -> None:
        for path in sorted(self.dir.glob("work_list_*.json")):
            self.work_list(path.name)

    def work_list(self, name: str) -> None:
        data = self.read(name)
        year = self.field(data, "year")
        self.record = f"{year}年工作清单"
        work_list = self.sync(
            WorkList, {"year": year}, {"title": self.field(data, "title")}, str(year)
        )
        indicators = {i.code: i for i in Indicator.objects.all()}
        key_tasks = {t.number: t for t in KeyTask.objects.all()}
        for record in self.field(data, "entries"):
            seq = self.field(record, "seq")
            self.record = f"{year}年工作清单第{seq}项"
            code = self.field(record, "indicator")
            if code is not None and code not in indicators:
                raise self.error(f"指标“{code}”不存在")
            key_task = key_tasks.get(self.field(record, "key_task"))
            if key_task is None:
                raise self.error(f"重点任务“{record['key_task']}”不存在")
            entry = self.sync(
                WorkListEntry,
                {"work_list": work_list, "seq": seq},
                {
                    "name": self.field(record, "name"),
                    "unit_of_measure": self.field(record, "unit"),
                    "target": self.decimal(self.field(record, "target")),
                    "indicator": indicators.get(code),
                    "key_task": key_task,
                    "note": record.get("note", ""),
                },
                f"{year}-{seq} {record['name']}",
            )
            for position, item in enumerate(self.field(record, "items"), 1):
                self.record = f"{year}年工作清单第{seq}项第{position}条事项"
                try:
                    deadline = date.fromisoformat(self.field(item, "deadline"))
                except (TypeError, ValueError):
                    raise self.error(f"完成期限“{item['deadline']}”不是日期") from None
                self.sync(
                    ChecklistItem,
                    {"entry": entry, "position": position},
                    {
                        "text": self.field(item, "text"),
                        "deadline": deadline,
                        "deadline_label": self.field(item, "deadline_label"),
                    },
                    self.field(item, "text"),
                )


@transaction.atomic
def plan_load(*, fixtures_dir: Path = FIXTURES_DIR) -> LoadReport:
    """Load the plan's units, key tasks, indicators, targets and work lists."""
    loader = _Loader(fixtures_dir)
    loader.units()
    loader.key_tasks()
    loader.indicators()
    loader.work_lists()
    return loader.report


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(wanted, models.Model):
        return getattr(current, "pk", None) == getattr(wanted, "pk", None)
    if isinstance(current, Decimal):
        return current == Decimal(str(wanted))
    return current == wanted


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return "（空）" if value is None else str(value)


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "；".join(
            f"{name}：{'，'.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return "；".join(error.messages)
