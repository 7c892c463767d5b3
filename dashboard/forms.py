from django import forms


class PlanNoteForm(forms.Form):
    """The admin's note on one of the plan's disagreements, from /plan/."""

    note = forms.CharField(
        label="管理员说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(label="修改原因", required=False, max_length=200)
