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


class NoticeIssueForm(forms.Form):
    """按语 and 领导批示 of a notice being issued, kept as typed (text, not markup)."""

    foreword = forms.CharField(
        label="按语",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    instruction = forms.CharField(
        label="领导批示（可选）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoticeReplaceForm(NoticeIssueForm):
    reason = forms.CharField(
        label="更正或撤销原因",
        max_length=500,
        error_messages={"required": "请填写更正或撤销的原因。"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    withdraw = forms.BooleanField(label="撤销（不再以新数据重发）", required=False)
