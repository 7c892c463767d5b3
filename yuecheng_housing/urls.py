from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.renderers import OpenApiJsonRenderer2, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from health_check.views import HealthCheckView

from assessment import api as assessment_api
from dashboard import api as dashboard_api
from hazards import api as hazards_api
from projects import api as projects_api
from reporting import api as reporting_api
from supervision import api as supervision_api
from tasks import api as tasks_api
from units import api as units_api
from units import views as units_views
from yuecheng_housing.lib.api_errors import api_not_found

admin.site.site_header = "越城区“住有宜居”推进管理系统"
admin.site.site_title = "住有宜居管理"
admin.site.index_title = "系统管理"

api_v1 = [
    path("indicators/", dashboard_api.IndicatorListApi.as_view(), name="indicators"),
    path(
        "indicators/<int:code>/series/",
        dashboard_api.IndicatorSeriesApi.as_view(),
        name="indicator-series",
    ),
    path(
        "indicators/<int:code>/forecast/",
        dashboard_api.IndicatorForecastApi.as_view(),
        name="indicator-forecast",
    ),
    path("units/", units_api.UnitListApi.as_view(), name="units"),
    path(
        "units/<int:unit_id>/board/",
        dashboard_api.UnitBoardApi.as_view(),
        name="unit-board",
    ),
    path("ranking/", dashboard_api.RankingApi.as_view(), name="ranking"),
    path("notices/<str:period>/", dashboard_api.NoticeApi.as_view(), name="notice"),
    path(
        "issued-notices/",
        dashboard_api.IssuedNoticeListApi.as_view(),
        name="issued-notices",
    ),
    path(
        "issued-notices/<int:notice_id>/",
        dashboard_api.IssuedNoticeApi.as_view(),
        name="issued-notice",
    ),
    path("plan/text/", dashboard_api.PlanTextApi.as_view(), name="plan-text"),
    path(
        "plan/inconsistencies/",
        dashboard_api.PlanInconsistencyApi.as_view(),
        name="plan-inconsistencies",
    ),
    path("key-tasks/", tasks_api.KeyTaskListApi.as_view(), name="key-tasks"),
    path("work-lists/<int:year>/", tasks_api.WorkListApi.as_view(), name="work-list"),
    path("progress/", reporting_api.ProgressApi.as_view(), name="progress"),
    path(
        "task-progress/", reporting_api.TaskProgressApi.as_view(), name="task-progress"
    ),
    path("hazards/", hazards_api.HazardListApi.as_view(), name="hazards"),
    path(
        "hazards/<int:case_id>/",
        hazards_api.HazardDetailApi.as_view(),
        name="hazard",
    ),
    path("projects/", projects_api.ProjectListApi.as_view(), name="projects"),
    path(
        "projects/<int:project_id>/",
        projects_api.ProjectDetailApi.as_view(),
        name="project",
    ),
    path(
        "supervision-items/",
        supervision_api.ItemListApi.as_view(),
        name="supervision-items",
    ),
    path(
        "supervision-items/<int:item_id>/",
        supervision_api.ItemDetailApi.as_view(),
        name="supervision-item",
    ),
    path(
        "supervision-items/<int:item_id>/feedback/",
        supervision_api.ItemFeedbackApi.as_view(),
        name="supervision-item-feedback",
    ),
    path(
        "assessments/<int:year>/",
        assessment_api.AssessmentTableApi.as_view(),
        name="assessment",
    ),
    path(
        "assessments/<int:year>/units/<int:unit_id>/",
        assessment_api.AssessmentSheetApi.as_view(),
        name="assessment-sheet",
    ),
    path(
        "assessments/<int:year>/units/<int:unit_id>/objections/",
        assessment_api.ObjectionApi.as_view(),
        name="assessment-objections",
    ),
    path(
        "assessments/<int:year>/objections/<int:objection_id>/answer/",
        assessment_api.AnswerApi.as_view(),
        name="assessment-objection-answer",
    ),
    # JSON first: a browser shows it, and its errors are JSON like the rest.
    path(
        "schema/",
        SpectacularAPIView.as_view(
            renderer_classes=[OpenApiJsonRenderer2, OpenApiYamlRenderer]
        ),
        name="schema",
    ),
    # People read the schema here after logging in; served from our own static files.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("reporting.urls")),
    path("", include("hazards.urls")),
    path("", include("assessment.urls")),
    path("", include("projects.urls")),
    path("", include("supervision.urls")),
    path("api/v1/", include((api_v1, "api"))),
    # Whatever else is asked under /api/ is a JSON 404, never an HTML page.
    re_path(r"^api/", api_not_found),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        units_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        units_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    # For the load balancer: 200 when the database, the cache and the file storage
    # answer, 500 otherwise (`?format=json` for details).
    path(
        "healthz/",
        HealthCheckView.as_view(
            checks=[
                "health_check.checks.Database",
                "health_check.checks.Cache",
                "health_check.checks.Storage",
            ]
        ),
        name="healthz",
    ),
    # For monitoring: 500 when an import has waited 5 minutes for the worker.
    path(
        "healthz/worker/",
        HealthCheckView.as_view(checks=["reporting.health.ImportWorker"]),
        name="healthz_worker",
    ),
]

handler400 = "yuecheng_housing.handlers.bad_request"
handler500 = "yuecheng_housing.handlers.server_error"
