"""The audit trail every model keeps: django-simple-history, named in Chinese.

simple-history names a history model "historical <name>" with an untranslated
string, and the admin shows that name; here it is "<name>修改记录".
"""

from simple_history.models import HistoricalRecords


class AuditTrail(HistoricalRecords):
    def get_meta_options(self, model) -> dict:
        meta = super().get_meta_options(model)
        if not self.user_set_verbose_name:
            meta["verbose_name"] = f"{model._meta.verbose_name}修改记录"
        if not self.user_set_verbose_name_plural:
            meta["verbose_name_plural"] = f"{model._meta.verbose_name_plural}修改记录"
        return meta
