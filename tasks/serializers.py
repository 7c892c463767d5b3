from rest_framework import serializers

from tasks.models import ChecklistItem, KeyTask, WorkList, WorkListEntry
from yuecheng_housing.lib.api_fields import PlanNumberField


class KeyTaskSerializer(serializers.ModelSerializer):
    section = serializers.CharField(source="section.title")
    lead_unit = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()

    class Meta:
        model = KeyTask
        fields = ["number", "section", "title", "lead_unit", "units"]

    def get_lead_unit(self, task: KeyTask) -> str | None:
        responsibilities = task.responsibilities.all()
        return responsibilities[0].unit.name if responsibilities else None

    def get_units(self, task: KeyTask) -> list[str]:
        return [r.unit.name for r in task.responsibilities.all()]


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "text", "deadline", "deadline_label"]


class WorkListEntrySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit_of_measure")
    target = PlanNumberField()
    indicator = serializers.SerializerMethodField()
    key_task = serializers.SerializerMethodField()
    items = ChecklistItemSerializer(many=True)

    class Meta:
        model = WorkListEntry
        fields = ["seq", "name", "unit", "target", "indicator", "key_task", "items"]

    def get_indicator(self, entry: WorkListEntry) -> int | None:
        return entry.indicator.code if entry.indicator else None

    def get_key_task(self, entry: WorkListEntry) -> int:
        return entry.key_task.number


class WorkListSerializer(serializers.ModelSerializer):
    entries = WorkListEntrySerializer(many=True)

    class Meta:
        model = WorkList
        fields = ["year", "title", "entries"]
