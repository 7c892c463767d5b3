from django import forms

from tasks.models import ItemProgress


class ItemProgressForm(forms.Form):
    """One checklist item's line on the monthly entry page."""

    status = forms.ChoiceField(
        label="进展状态",
        choices=[("", "（未填）"), *ItemProgress.Status.choices],
        required=False,
    )
    completed_on = forms.DateField(
        label="完成日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    evidence = forms.FileField(label="佐证材料", required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, item, stored=None, **kwargs) -> None:
        self.item = item
        self.stored = stored
        if stored is not None:
            kwargs.setdefault(
                "initial",
                {
                    "status": stored.status,
                    "completed_on": stored.completed_on,
                    "note": stored.note,
                    "version": stored.version,
                },
            )
        kwargs.setdefault("initial", {"version": 0})
        super().__init__(*args, prefix=f"item{item.pk}", **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == ItemProgress.Status.DONE and not cleaned.get(
            "completed_on"
        ):
            self.add_error("completed_on", "已完成的事项须填写完成日期。")
        return cleaned
