"""Admin bases whose history pages only show the past, never rewrite it.

django-simple-history's history form (`…/history/<id>/`) saves whatever is
POSTed to it, even with its revert button hidden: a way round the services'
validation, locks and audit. Every admin of the project uses these bases, so a
revert is refused wherever it is tried; a change goes through the same admin
form (and its service) as any other.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from yuecheng_housing.lib.numbers import format_decimal


def _plain_number(model: type[models.Model], name):
    """A list or detail column that shows a decimal field as the site does
    ("27.28", not the database's "27.2800"); any other column unchanged."""
    if not isinstance(name, str):
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if not isinstance(field, models.DecimalField):
        return name

    @admin.display(description=field.verbose_name, ordering=name)
    def show(obj) -> str:
        value = getattr(obj, name)
        return "—" if value is None else format_decimal(value)

    show.__name__ = f"{name}_shown"
    return show


class HistoryAdmin(SimpleHistoryAdmin):
    """Lists every version and shows each one; refuses to save an old version."""

    def get_list_display(self, request):
        return [_plain_number(self.model, n) for n in super().get_list_display(request)]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看，不能恢复；请在编辑页修改。")
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    def revert_disabled(self, request, obj=None) -> bool:
        return True


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Reported data is written only through the entry page, the API and imports,
    so that validation, locks and the audit always apply; the admin only reads."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # Every field is shown read only; on the object's own page, figures as the
    # site shows them. (The history pages build forms from the fields' names.)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        request.plain_numbers = True
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fields(self, request, obj=None):
        names = self.fields or [
            f.name for f in self.model._meta.fields if f.editable and not f.auto_created
        ]
        if not getattr(request, "plain_numbers", False):
            return list(names)
        return [_plain_number(self.model, n) for n in names]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)
