from django.apps import AppConfig

# Registers the deploy checks; the module touches no models, so it is safe here.
from reporting import checks  # noqa: F401


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "月度报送"
