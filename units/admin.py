from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from units.models import Account, ApiToken, Unit
from units.roles import Role, user_role
from units.services import (
    account_check,
    api_token_check,
    api_token_issue,
    api_token_revoke,
    user_save,
)
from yuecheng_housing.lib.history_admin import HistoryAdmin
from yuecheng_housing.lib.periods import current_month, within_plan

User = get_user_model()


class MemberInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    fields = ["name", "kind", "position", "is_active", "reports_from", "reports_until"]
    extra = 1
    verbose_name = "成员单位"
    verbose_name_plural = "成员单位（如各镇街下的街道、镇）"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "reports_from":
            # A town added today reports from this month on: the months before keep
            # the figures of whoever reported them.
            field.initial = within_plan(current_month())
        return field


@admin.register(Unit)
class UnitAdmin(HistoryAdmin):
    list_display = ["name", "kind", "parent", "position", "is_active"]
    list_filter = ["kind", "is_active", "parent"]
    search_fields = ["name", "aliases"]
    list_select_related = ["parent"]
    # Who belongs to a unit is set on the user's page, through the account service.
    exclude = ["users"]
    inlines = [MemberInline]

    def get_inlines(self, request, obj):
        # Only a group (各镇街, 各平台公司) has member units.
        return self.inlines if obj is not None and obj.is_group else []


class AccountForm(forms.ModelForm):
    """A user's details, role and units; saved by `units.services.user_save`."""

    role = forms.ChoiceField(label="角色", choices=Role.choices)
    units = forms.ModelMultipleChoiceField(
        label="所属单位",
        queryset=Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by(
            "parent__position", "position"
        ),
        required=False,
        widget=FilteredSelectMultiple("单位", is_stacked=False),
        help_text="填报员只能填报这些单位的数据；领导和管理员可不选。",
    )
    password1 = forms.CharField(
        label="密码", widget=forms.PasswordInput, required=False, strip=False
    )
    password2 = forms.CharField(
        label="确认密码", widget=forms.PasswordInput, required=False, strip=False
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "email", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = user_role(self.instance)
            self.fields["units"].initial = self.instance.units.all()
            # Passwords change on Django's own password page, linked from here.
            del self.fields["password1"], self.fields["password2"]
        else:
            self.fields["password1"].required = True
            self.fields["password2"].required = True

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password is not None and password != cleaned.get("password2"):
            raise ValidationError("两次输入的密码不一致。", code="password_mismatch")
        try:
            account_check(
                role=cleaned.get("role", ""),
                units=list(cleaned.get("units") or []),
                password=password,
                user=self.instance if self.instance.pk else None,
            )
        except ValidationError as e:
            self.add_error(None, e)
        return cleaned


class AccountAdmin(UserAdmin):
    """Users with their role and units; every save goes through `user_save`."""

    form = AccountForm
    add_form = AccountForm
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("账号", {"fields": ["first_name", "email", "is_active"]}),
        ("角色与单位", {"fields": ["role", "units"]}),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        ("账号", {"fields": ["first_name", "email"]}),
        ("角色与单位", {"fields": ["role", "units"]}),
    ]
    readonly_fields = ["password", "last_login", "date_joined"]
    list_display = ["username", "first_name", "role", "is_active", "last_login"]
    list_filter = ["account__role", "is_active"]
    list_select_related = ["account"]
    filter_horizontal = []

    def get_readonly_fields(self, request, obj=None):
        # A rename would be a new account to the service: usernames stay.
        return [*self.readonly_fields, "username"] if obj else []

    @admin.display(description="角色")
    def role(self, obj) -> str:
        if obj.is_superuser:
            return Role.ADMIN.label
        try:
            account = obj.account
        except Account.DoesNotExist:
            return "—"
        return account.get_role_display()

    def save_model(self, request, obj, form, change) -> None:
        user, _ = user_save(
            username=obj.username,
            role=form.cleaned_data["role"],
            units=list(form.cleaned_data["units"]),
            password=None if change else form.cleaned_data["password1"],
            email=form.cleaned_data.get("email", ""),
            first_name=form.cleaned_data.get("first_name", ""),
            is_active=form.cleaned_data.get("is_active", True) if change else True,
        )
        obj.pk = user.pk

    def save_related(self, request, form, formsets, change) -> None:
        # Units and role were saved by user_save; groups and permissions are unused.
        pass


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        api_token_check(user=user)
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    """Tokens by account, keys masked; issued and revoked through the services.

    DRF's TokenAdmin (whose lists and URLs go by account, not by key) lists the
    key itself; this one shows it once, in the message after it is issued.
    """

    form = ApiTokenAddForm
    list_display = ["user", "masked_key", "created"]
    list_select_related = ["user"]
    readonly_fields = ["masked_key", "created"]

    @admin.display(description="令牌（仅显示前6位）")
    def masked_key(self, obj: ApiToken) -> str:
        return obj.masked_key

    def get_fields(self, request, obj=None):
        return ["user"] if obj is None else ["user", "masked_key", "created"]

    def has_change_permission(self, request, obj=None) -> bool:
        # A token is issued, rotated or revoked, never edited: its page only shows.
        return False

    def save_model(self, request, obj, form, change) -> None:
        token = api_token_issue(username=obj.user.get_username())
        obj.key, obj.created = token.key, token.created
        obj._state.adding = False
        messages.warning(
            request,
            f"{obj.user} 的接口令牌：{token.key}　"
            "令牌只在此显示这一次，请立即复制并交给对方系统（请求头："
            "Authorization: Token <令牌>）；此后只显示前6位，遗失了只能换发。",
        )

    def delete_model(self, request, obj) -> None:
        api_token_revoke(username=obj.user.get_username())

    def delete_queryset(self, request, queryset) -> None:
        for token in queryset.select_related("user"):
            api_token_revoke(username=token.user.get_username())


# DRF registers its own token admin, which lists the keys.
admin.site.unregister(TokenProxy)
