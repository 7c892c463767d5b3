"""Settings for the 住有宜居 plan tracker.

One module, read from environment variables (healthchecks style; every variable is in
the README's table). A fresh checkout runs with nothing set: SQLite under the project,
DEBUG off unless asked for. Production sets SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and
the TLS settings; `manage.py check --deploy` says what is missing.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from yuecheng_housing.env import cache_from_url, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent

# pytest imports itself before Django reads these settings.
TESTING = "pytest" in sys.modules


DEBUG = envbool("DEBUG")

# Commands and tests run with the development key; the production entry point
# (wsgi.py, under gunicorn) refuses to start with it unless DEBUG is on.
DEVELOPMENT_SECRET_KEY = "insecure-local-development-key-never-used-in-production"
SECRET_KEY = os.getenv("SECRET_KEY") or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Behind a TLS proxy the browser's origin is https://host: list it here or every
# login and form post is refused by the CSRF check.
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tables2",
    "simple_history",
    "units.apps.LoginProtectionConfig",
    "csp",
    "health_check",
    "django_tasks",
    "reporting.apps.TaskQueueConfig",
    "units",
    "tasks",
    "indicators",
    "hazards",
    "projects",
    "supervision",
    "reporting",
    "documents",
    "dashboard",
    "assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A lock wait that ran out is "busy, retry" (503), not a 500.
    "yuecheng_housing.handlers.BusyDatabaseMiddleware",
    # django-axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yuecheng_housing.urls"
WSGI_APPLICATION = "yuecheng_housing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "units.context_processors.role",
                "units.context_processors.plan_period",
            ],
            # One way to write people, figures and units in every template.
            "builtins": ["units.templatetags.words"],
        },
    },
]

# Database: SQLite under the project unless DATABASE_URL says otherwise.
SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}
_database_url = os.getenv("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60)
except ValueError as e:
    raise ImproperlyConfigured(
        f"无法识别的 DATABASE_URL：{_database_url.split('://')[0]}://… "
        "仅支持 postgres://（生产）和 sqlite://（本地）。"
    ) from e
if _database["ENGINE"] not in SUPPORTED_DATABASE_ENGINES:
    raise ImproperlyConfigured(
        f"DATABASE_URL 指向不支持的数据库（{_database['ENGINE']}）。"
        "仅支持 postgres://（生产）和 sqlite://（本地）。"
    )
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file: readers never wait for a writer (WAL),
    # a writer waits up to 20 s for another instead of failing at once, and every
    # transaction takes the write lock when it begins (IMMEDIATE), so two writers
    # cannot both read and then collide on upgrading their locks ("database is
    # locked" with no wait at all).
    _database["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Django's own minimum length, with the Chinese refusal its catalogue lacks.
AUTH_PASSWORD_VALIDATORS.insert(1, {"NAME": "units.passwords.MinimumLengthValidator"})
if TESTING:
    # Real hashing is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CSRF_FAILURE_VIEW = "yuecheng_housing.handlers.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, scopes in units/login_throttle.py): 5 wrong passwords
# lock that account from that address only, so a stranger locks out only himself;
# failures at one account from 10 addresses lock it everywhere (its API token too);
# 20 failures from one address across accounts lock the address (a shared desk or
# gateway). Each for half an hour; an admin unlocks in 登录失败记录 or with
# `axes_reset_username`. The handler reads the scopes itself; these parameters are
# what axes keys its records and messages by.
AXES_HANDLER = "units.login_throttle.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20
AXES_ACCOUNT_WIDE_ADDRESSES = 10
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = not TESTING
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "units.login_throttle.client_address"

# Reverse proxies in front of the application (nginx: 1). They set X-Forwarded-Proto
# (so Django knows a request came over TLS) and X-Forwarded-For (the client's address,
# which the login throttle counts); with 0 both headers are ignored, as a client could
# forge them.
PROXY_COUNT = envint("PROXY_COUNT", 0)
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["yuecheng_housing.formats"]
# Chinese for the few admin strings Django's zh_Hans catalogue leaves in English.
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if TESTING or DEBUG:
    # The manifest exists only after collectstatic; tests and runserver don't run it.
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
# Hashed file names never change, so browsers may keep them for a year.
WHITENOISE_MAX_AGE = 365 * 24 * 3600

MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Machine clients of units that push data from their own systems. First,
        # so that a request without credentials is a 401 with WWW-Authenticate.
        "units.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "yuecheng_housing.lib.api_throttle.AccountRateThrottle"
    ],
    "DEFAULT_SCHEMA_CLASS": "yuecheng_housing.lib.api_schema.ApiSchema",
    "EXCEPTION_HANDLER": "yuecheng_housing.lib.api_errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per account and minute through the API ("600/min"); empty: no limit.
API_RATE_LIMIT = os.getenv("API_RATE_LIMIT", "" if TESTING else "600/min") or None
SPECTACULAR_SETTINGS = {
    "TITLE": "越城区“住有宜居”推进管理系统 API",
    "DESCRIPTION": (
        "住有宜居专项实施方案（2023—2027年）的指标、单位、任务与工作清单，"
        "以及各单位按月报送的数值和事项进展。\n\n"
        "认证：请求头 `Authorization: Token <令牌>`（令牌由管理员发放），"
        "或登录后的会话（写请求须带 X-CSRFToken）。\n\n"
        "数值一律为 JSON 数值（如 85、1.4475），按指标的计量单位；"
        '月份写作 `YYYY-MM`。错误一律为 `{"code", "detail", "errors"}`：'
        "code 为稳定的英文代码，detail 为中文说明，errors 按字段列出问题。\n\n"
        "版本：/api/v1/ 内只增加字段、不改变或删除已有字段；"
        "不兼容的改动发布为 /api/v2/，v1 在其后至少保留12个月。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A deep link is a link inside each operation's button (nested controls that a
    # screen reader cannot reach); the page is short enough to find one by name.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    # Several fields are called "status"; each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "ItemProgressStatusEnum": "reporting.api.ITEM_PROGRESS_STATUSES",
        "ReportStatusEnum": "reporting.api.REPORT_STATUSES",
        "IndicatorStatusEnum": "dashboard.serializers.INDICATOR_STATUSES",
        "HazardKindEnum": "hazards.api.HAZARD_KINDS",
        "HazardGradeEnum": "hazards.api.HAZARD_GRADES",
        "HazardRemedyEnum": "hazards.api.HAZARD_REMEDIES",
        "HazardStateEnum": "hazards.api.HAZARD_STATES",
        "IssuedNoticeKindEnum": "dashboard.serializers.ISSUED_NOTICE_KINDS",
        "ProjectKindEnum": "projects.api.PROJECT_KINDS",
        "ProjectStageEnum": "projects.api.PROJECT_STAGES",
        "ProjectRaisingEnum": "projects.api.PROJECT_RAISINGS",
        "ProjectSettingEnum": "projects.api.PROJECT_SETTINGS",
        "ProjectAwardLevelEnum": "projects.api.PROJECT_AWARD_LEVELS",
        "SupervisionSourceEnum": "supervision.api.SUPERVISION_SOURCES",
        "SupervisionStateEnum": "supervision.api.SUPERVISION_STATES",
        "SupervisionLightEnum": "supervision.api.SUPERVISION_LIGHTS",
        "SupervisionEventEnum": "supervision.api.SUPERVISION_EVENTS",
        "SupervisionFeedbackEnum": "supervision.api.FEEDBACK_KINDS",
        "AssessmentListEnum": "assessment.api.ASSESSMENT_LISTS",
        "AssessmentAdjustmentKindEnum": "assessment.api.ASSESSMENT_ADJUSTMENT_KINDS",
    },
}

# Reminders go through Django's e-mail: SMTP when EMAIL_HOST is set, else the
# console (a deploy check warns when production would print mail to the log).
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS 与 EMAIL_USE_SSL 只能设置其一。")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "zhuyouyiju@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# One cache for every process and server in production (redis://…); each process's
# own memory for `make run` and tests.
CACHES = {"default": cache_from_url(os.getenv("CACHE_URL", "locmem://"))}

# Imports run off the request (reporting/import_jobs.py): queued in the database and
# worked by `manage.py db_worker` (`make run` starts one; deploy/systemd has its unit).
# Tests run each task at once (tests/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds a running import may go without a heartbeat before it is taken for dead
# (its worker killed) and offered again (reporting/import_jobs.py).
IMPORT_LEASE_SECONDS = envint("IMPORT_LEASE_SECONDS", 90)

# TLS. Off by default so `make run` works over http; production sets them (README).
SECURE_SSL_REDIRECT = envbool("SSL_REDIRECT")
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS")
# An intranet host name is never on the browsers' public HSTS preload list.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^healthz/(worker/)?$"]  # the load balancer probes over http
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache and written through to the database: a page
# view costs no session query while the cache holds it (a fresh cache, or
# another server's, falls back to the database row).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool(
    "SECURE_COOKIES", "0" if DEBUG or TESTING else "1"
)

# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from
# this server; no inline script anywhere. Plotly sets inline styles while it draws,
# so styles allow them; nothing else does.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} 无法识别：DEBUG、INFO、WARNING、ERROR 或 CRITICAL。"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "forbidden_on_one_line": {
            "()": "yuecheng_housing.lib.log_filters.ForbiddenOnOneLine"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["forbidden_on_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes logs every successful login at INFO.
    "loggers": {"axes": {"level": "WARNING"}},
}
