from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from units.models import Unit


class MemberInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    fields = ["name", "kind", "position", "is_active"]
    extra = 1
    verbose_name = "成员单位"
    verbose_name_plural = "成员单位（如各镇街下的街道、镇）"


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "position", "is_active"]
    list_filter = ["kind", "is_active", "parent"]
    search_fields = ["name", "aliases"]
    list_select_related = ["parent"]
    filter_horizontal = ["users"]
    inlines = [MemberInline]

    def get_inlines(self, request, obj):
        # Only a group (各镇街, 各平台公司) has member units.
        return self.inlines if obj is not None and obj.is_group else []


class UnitMembershipInline(admin.TabularInline):
    model = Unit.users.through
    extra = 1
    autocomplete_fields = ["unit"]
    verbose_name = "所属单位"
    verbose_name_plural = "所属单位（填报员只能填报这些单位的数据）"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithUnitsAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, UnitMembershipInline]
    list_display = ["username", "first_name", "is_active", "is_staff", "last_login"]
    list_filter = ["groups", "is_active", "is_staff"]
