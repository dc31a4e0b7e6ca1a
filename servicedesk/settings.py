"""Settings, read only from the environment (see .env.example for every variable).

Development defaults are embedded (SQLite, a filesystem Celery broker); outside DEBUG a
missing SECRET_KEY fails loudly.
"""

import sys
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of the embedded default: SQLite file, broker folders, uploads.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
TESTING = "pytest" in sys.modules
SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key" if DEBUG or TESTING else None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_celery_beat",
    "django_htmx",
    "servicedesk",
    "sla",
    "tickets",
    "releases",
    "maintenance",
    "reports",
    "surveys",
    "knowledge",
]

MIDDLEWARE = [
    "servicedesk.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servicedesk.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "servicedesk.api.throttling.UnauthenticatedLimitMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account,
# or from one client address, sign-in is refused for a cool-off that doubles with each
# further lockout within a day (servicedesk.security.login_cooloff). Every failure, lockout
# and sign-in is recorded (admin: Axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.float("LOGIN_LOCKOUT_MINUTES", default=15.0)
AXES_COOLOFF_TIME = "servicedesk.security.login_cooloff"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a proxy the client address comes from X-Forwarded-For (set AXES_PROXY_COUNT).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"
AUTH_USER_MODEL = "servicedesk.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.notifications.unread_notifications",
            ],
        },
    },
]
# Django's widget templates of inputs, selects and text areas written in Python (the same
# HTML; overridden templates are still rendered): servicedesk/rendering.py.
FORM_RENDERER = "servicedesk.rendering.FormRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'servicedesk.sqlite3'}")
}
# Keep connections open and health-checked: Django's default (0) costs ~60% throughput here.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# The planner's cost of a random page read: PostgreSQL's default (4) is for spinning disks.
# With it, "status=closed ORDER BY created_at DESC" walks the created_at index through every
# recent open ticket (100 ms at 1M tickets) instead of the (status, severity, created_at)
# index (0.2 ms); 1.1 is the usual value for SSDs and a cached database (PERFORMANCE.md).
PG_RANDOM_PAGE_COST = env.float("PG_RANDOM_PAGE_COST", default=1.1)
# Seconds a new PostgreSQL connection may take: with the database gone, a request fails
# (503) after at most this long instead of hanging on the operating system's TCP timeout.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
if DATABASES["default"]["ENGINE"].endswith("postgresql") and DATABASE_CONNECT_TIMEOUT > 0:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", DATABASE_CONNECT_TIMEOUT
    )
if DATABASES["default"]["ENGINE"].endswith("postgresql") and PG_RANDOM_PAGE_COST > 0:
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c random_page_cost={PG_RANDOM_PAGE_COST}"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A password-reset link works once and for a day (the mail says so).
PASSWORD_RESET_TIMEOUT = 24 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LANGUAGE_COOKIE_NAME = "django_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Development and tests serve straight from the apps' folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Private uploads: never served by the web server directly, only through permission-checked
# views (MEDIA_URL is deliberately unused).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_EXTENSIONS = env.list(
    "ATTACHMENT_ALLOWED_EXTENSIONS",
    default=[
        "txt",
        "log",
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "zip",
        "gz",
        "7z",
        "csv",
        "xlsx",
        "xls",
        "docx",
        "doc",
        "json",
        "xml",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
# Largest accepted patch / upgrade package (releases); kept in MEDIA_ROOT/patches/ and served
# only through the permission-checked download views.
PATCH_MAX_BYTES = env.int("PATCH_MAX_BYTES", default=200 * 1024 * 1024)
# Largest accepted document of the library (manuals, guides; releases), kept in
# MEDIA_ROOT/documents/ and served only through the permission-checked download views.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=50 * 1024 * 1024)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG.get("EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend":
    # One line per mail on the console, the full text in VAR_DIR/mail/ (servicedesk.mail_console).
    EMAIL_BACKEND = "servicedesk.mail_console.ConsoleSummaryBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="servicedesk@localhost")
# Seconds one SMTP operation may block (connect, each command): a stalled mail server ends
# the attempt instead of holding the worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The right-hand side of the Message-IDs the outbox derives from its rows.
EMAIL_MESSAGE_ID_DOMAIN = env.str(
    "EMAIL_MESSAGE_ID_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
)
# The address people use to reach the site: links in mails (docs/NOTIFICATIONS.md).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
# Webhooks (docs/NOTIFICATIONS.md, "Webhooks"): seconds one delivery may take; consecutive
# failed attempts after which an endpoint is disabled; whether targets on loopback or private
# networks are allowed (refused by default: a webhook must not reach into our own network).
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_MAX_FAILURES = env.int("WEBHOOK_MAX_FAILURES", default=10)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# Notification delivery (docs/NOTIFICATIONS.md): a failed attempt is retried with exponential
# backoff (first wait OUTBOX_RETRY_BASE_SECONDS, doubling, at most OUTBOX_RETRY_MAX_SECONDS,
# with jitter) until OUTBOX_RETRY_WINDOW_HOURS after the row was written; then it is failed.
OUTBOX_RETRY_WINDOW_HOURS = env.float("OUTBOX_RETRY_WINDOW_HOURS", default=24.0)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=1800.0)
# A delivery run claims this many rows at a time, for OUTBOX_LEASE_SECONDS; it never starts
# a send after its lease could have run out, so no other run sends the same row meanwhile.
OUTBOX_CLAIM_BATCH = env.int("OUTBOX_CLAIM_BATCH", default=50)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# How often beat looks for due rows (the safety net: delivery starts on commit).
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=30.0)
# Publish a delivery task when a transaction that wrote notifications commits.
OUTBOX_DELIVER_ON_COMMIT = env.bool("OUTBOX_DELIVER_ON_COMMIT", default=True)
# How long one delivery run sends before it hands over to a new task (below the soft limit).
OUTBOX_RUN_SECONDS = env.float("OUTBOX_RUN_SECONDS", default=120.0)

# Inbound mail (docs/INBOUND.md): the largest message accepted (bytes, whole message); the
# most attachments one mail may carry (each also obeys the upload rules above); how many
# mails one sender may send per hour (beyond: rejected); what happens to mail from an
# address that is no customer's: "hold" for an agent to accept or reject, or "reject".
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_BYTES", default=25 * 1024 * 1024)
INBOUND_MAIL_MAX_ATTACHMENTS = env.int("INBOUND_MAIL_MAX_ATTACHMENTS", default=10)
INBOUND_MAIL_MAX_PER_SENDER_HOUR = env.int("INBOUND_MAIL_MAX_PER_SENDER_HOUR", default=20)
INBOUND_MAIL_UNKNOWN_SENDERS = env.str("INBOUND_MAIL_UNKNOWN_SENDERS", default="hold")
# A new request mailed by a known contact without a portal login: "accept" records the ticket
# for the contact's organization (the system acting, the contact on the ticket); "hold" keeps
# it for an agent like an unknown sender's mail.
INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN = env.str(
    "INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN", default="accept"
)
# IMAP polling: off while INBOUND_IMAP_HOST is empty. UNSEEN mail of INBOUND_IMAP_FOLDER is
# read, at most INBOUND_IMAP_BATCH per run, and marked Seen (or moved to
# INBOUND_IMAP_PROCESSED_FOLDER when set); a run holds the mailbox's lease for at most
# INBOUND_IMAP_LEASE_SECONDS.
INBOUND_IMAP_HOST = env.str("INBOUND_IMAP_HOST", default="")
INBOUND_IMAP_PORT = env.int("INBOUND_IMAP_PORT", default=993)
INBOUND_IMAP_SSL = env.bool("INBOUND_IMAP_SSL", default=True)
INBOUND_IMAP_USER = env.str("INBOUND_IMAP_USER", default="")
INBOUND_IMAP_PASSWORD = env.str("INBOUND_IMAP_PASSWORD", default="")
INBOUND_IMAP_FOLDER = env.str("INBOUND_IMAP_FOLDER", default="INBOX")
INBOUND_IMAP_PROCESSED_FOLDER = env.str("INBOUND_IMAP_PROCESSED_FOLDER", default="")
INBOUND_IMAP_BATCH = env.int("INBOUND_IMAP_BATCH", default=50)
INBOUND_IMAP_LEASE_SECONDS = env.int("INBOUND_IMAP_LEASE_SECONDS", default=240)
INBOUND_IMAP_POLL_SECONDS = env.float("INBOUND_IMAP_POLL_SECONDS", default=60.0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS in production (docker-compose.yml sets these; `manage.py check --deploy` passes):
# behind a TLS-terminating proxy that sets X-Forwarded-Proto, redirect plain HTTP and send
# HSTS. The probes stay reachable over plain HTTP inside the network.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("SECURE_PROXY_SSL_HEADER", default=False)
    else None
)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy on every response (django-csp): only this origin's scripts,
# styles, images and connections; no inline script or style anywhere (the API docs page
# alone allows inline styles, which Swagger UI sets on its elements).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Caches: the API's throttling counters live here. One process's memory by default; with
# several web processes or hosts use a shared one (CACHE_URL=redis://redis:6379/1).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Sessions: in the database, one query per signed-in request. With a cache every web
# process shares (Redis or Memcached, as docker-compose.yml sets CACHE_URL), read through it
# (cached_db: written to both, read from the cache). Not with the per-process memory cache
# of the default: a session ended in one process (signing out) would live on in another
# process's copy until it left that cache.
SHARED_CACHE = any(name in CACHES["default"]["BACKEND"].lower() for name in ("redis", "memcached"))
SESSION_ENGINE = env(
    "SESSION_ENGINE",
    default="django.contrib.sessions.backends.cached_db"
    if SHARED_CACHE
    else "django.contrib.sessions.backends.db",
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servicedesk.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["servicedesk.api.permissions.IsAuthenticatedWithScope"],
    "DEFAULT_FILTER_BACKENDS": [
        "servicedesk.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": ["servicedesk.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "servicedesk.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicedesk.api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "servicedesk.api.throttling.ReadThrottle",
        "servicedesk.api.throttling.WriteThrottle",
    ],
}
# API request limits per client (docs/API.md): refused (401) requests per address, signed-in
# users and tokens per user; writes (POST, PUT, PATCH, DELETE) also count against a write
# limit, lower for customers than for staff and integrations. "N/second|minute|hour|day";
# empty switches a limit off. Over a limit: 429 with Retry-After.
API_THROTTLE_RATES = {
    "anonymous": env.str("API_THROTTLE_ANONYMOUS", default="60/minute") or None,
    "read": env.str("API_THROTTLE_READ", default="1200/minute") or None,
    "write": env.str("API_THROTTLE_WRITE", default="600/minute") or None,
    "customer_write": env.str("API_THROTTLE_CUSTOMER_WRITE", default="20/minute") or None,
}
SPECTACULAR_SETTINGS = {
    # The docs page works on an isolated network: Swagger UI is served by this app.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "servicedesk API",
    "DESCRIPTION": "Tickets, conversation, attachments and hotline calls for integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "GET_LIB_DOC_EXCLUDES": "servicedesk.api.openapi.doc_excludes",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "servicedesk.api.openapi.document_errors",
    ],
    # servicedesk.api.converters: ids are 1-18 ASCII digits, references an id or a number
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
        "ref": {
            "type": "string",
            "pattern": "^([0-9]{1,18}|[A-Za-z]{1,8}-[0-9]{4}-[0-9]{1,12})$",
            "example": "SD-2026-000123",
        },
    },
    "ENUM_NAME_OVERRIDES": {
        "AnnouncementKindEnum": "releases.models.AnnouncementKind",
        "AnnouncementAudienceEnum": "releases.models.AnnouncementAudience",
        "TicketKindEnum": "tickets.choices.TicketKind",
        "TicketStatusEnum": "tickets.choices.TicketStatus",
        "SeverityEnum": "tickets.choices.Severity",
        "ChannelEnum": "tickets.choices.Channel",
        "TriageDecisionEnum": "tickets.choices.TriageDecision",
        "EventKindEnum": "tickets.choices.EventKind",
        "TeamKindEnum": "servicedesk.choices.TeamKind",
        "SkillAreaEnum": "servicedesk.choices.SkillArea",
        "RoleEnum": "servicedesk.choices.Role",
        "TargetUnitEnum": "sla.models.TargetUnit",
        "ClockStateEnum": "sla.models.ClockState",
        "ClockKindEnum": "sla.models.ClockKind",
        "NotificationChannelEnum": "servicedesk.models.NotificationChannel",
        "WorkOrderKindEnum": "maintenance.choices.WorkOrderKind",
        "WorkOrderStatusEnum": "maintenance.choices.WorkOrderStatus",
        "RootCauseEnum": "maintenance.choices.RootCause",
        "LevelEnum": "maintenance.models.SEVERITIES",
        "PlanStatusEnum": "maintenance.choices.PlanStatus",
        "FollowUpOutcomeEnum": "maintenance.choices.FollowUpOutcome",
        "VisitStatusEnum": "maintenance.choices.VisitStatus",
        "LinkKindEnum": "tickets.choices.LinkKind",
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportRunStateEnum": "reports.models.RunState",
        "ReportFrequencyEnum": "reports.models.Frequency",
        "ReportLanguageEnum": "reports.models.Language",
        "SiteLanguageEnum": "servicedesk.settings.LANGUAGES",
        "ArticleStatusEnum": "knowledge.choices.ArticleStatus",
        "ArticleAudienceEnum": "knowledge.choices.Audience",
    },
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
# Seconds any blocking read from or write to Redis may take. Without it a broker that
# accepts connections but never answers (a hung Redis, a half-open network path) held a
# web request publishing a task until gunicorn killed the worker (docs/OPERATIONS.md).
# Workers read through their event loop only when data is there, so it never cuts them off.
BROKER_SOCKET_TIMEOUT = env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3.0)
if CELERY_BROKER_URL.startswith(("redis", "rediss")) and BROKER_SOCKET_TIMEOUT > 0:
    CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] = BROKER_SOCKET_TIMEOUT
# The queue tasks go to unless routed elsewhere (beat's schedule, ``.delay()`` in tasks).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
# No task runs without limit (a stalled SMTP or database connection): the soft limit raises
# inside the task so it can release what it holds; the hard limit ends the process.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=270)
# Publishing a task never blocks a web request for long while the broker is down: the rows
# are committed already and beat's safety net delivers them.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often beat runs the SLA sweep (seconds); a clock is marked at most this late.
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=60.0)
# Readiness (/readyz, servicedesk/health.py, docs/OPERATIONS.md): how long the broker check
# waits; how old the last completed SLA sweep may be (default: three missed runs and a
# minute); how many failed notifications are tolerated; how long a due notification may
# wait before delivery counts as stopped.
HEALTH_BROKER_TIMEOUT = env.float("HEALTH_BROKER_TIMEOUT", default=2.0)
HEALTH_SLA_SWEEP_MAX_AGE_SECONDS = env.float(
    "HEALTH_SLA_SWEEP_MAX_AGE_SECONDS", default=3 * SLA_SWEEP_SECONDS + 60
)
HEALTH_OUTBOX_FAILED_MAX = env.int("HEALTH_OUTBOX_FAILED_MAX", default=0)
HEALTH_OUTBOX_OVERDUE_SECONDS = env.float("HEALTH_OUTBOX_OVERDUE_SECONDS", default=600.0)
# Reports read whole past days from the daily roll-up (docs/REPORTS.md); off: all live.
REPORTS_ROLLUP = env.bool("REPORTS_ROLLUP", default=True)
REPORTS_ROLLUP_SECONDS = env.float("REPORTS_ROLLUP_SECONDS", default=300.0)

CELERY_BEAT_SCHEDULE = {
    "deliver-outbox": {
        "task": "servicedesk.tasks.outbox_deliver_task",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "sla-sweep": {"task": "sla.tasks.sla_sweep_task", "schedule": SLA_SWEEP_SECONDS},
    # Hourly, idempotent: scheduled inspections appear within an hour of their lead day.
    # Report runs whose worker died or whose next step was lost go on (reports/services).
    "report-runs-recover": {
        "task": "reports.tasks.report_runs_recover_task",
        "schedule": 60.0,
    },
    # Hourly, idempotent: one run per schedule and closed period, however often it fires.
    "report-schedules": {
        "task": "reports.tasks.report_schedules_run_task",
        "schedule": 3600.0,
    },
    # Hourly, idempotent: patch notices of versions whose release date came (releases).
    "patch-notices-due": {"task": "releases.tasks.patch_notices_due_task", "schedule": 3600.0},
    # Hourly, idempotent: resolved tickets past the quiet period close; campaigns due
    # send their invitations and reminders (surveys/tasks.py).
    "tickets-auto-close": {"task": "surveys.tasks.tickets_auto_close_task", "schedule": 3600.0},
    "survey-campaigns": {"task": "surveys.tasks.campaigns_run_task", "schedule": 3600.0},
    # Report roll-up: the days changed since, and the ones that became old enough.
    "reports-rollup": {
        "task": "reports.tasks.rollup_refresh_task",
        "schedule": REPORTS_ROLLUP_SECONDS,
    },
    "inspections-generate": {
        "task": "maintenance.tasks.inspections_generate_task",
        "schedule": 3600.0,
    },
    # Hourly, idempotent: one "inspection due" notice per inspection and day.
    "inspections-due-notify": {
        "task": "maintenance.tasks.inspections_due_notify_task",
        "schedule": 3600.0,
    },
}
if INBOUND_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["inbound-mailbox-poll"] = {
        "task": "tickets.tasks.mailbox_poll_task",
        "schedule": INBOUND_IMAP_POLL_SECONDS,
    }

# 回访: a follow-up is due this many working days (standard business calendar) after an
# L1/L2 fault or a complaint is resolved (the issue allows 1-3).
FOLLOW_UP_WORKING_DAYS = env.int("FOLLOW_UP_WORKING_DAYS", default=2)

# Satisfaction surveys (docs/SURVEYS.md).
AUTO_CLOSE_BUSINESS_DAYS = env.int("AUTO_CLOSE_BUSINESS_DAYS", default=3)
SURVEY_TOKEN_DAYS = env.int("SURVEY_TOKEN_DAYS", default=30)
SURVEY_RANDOM_PERCENT = env.int("SURVEY_RANDOM_PERCENT", default=10)
SURVEY_COOLDOWN_DAYS = env.int("SURVEY_COOLDOWN_DAYS", default=90)
SURVEY_REMINDER_DAYS = env.int("SURVEY_REMINDER_DAYS", default=7)
SURVEY_PAGE_RATE_PER_MINUTE = env.int("SURVEY_PAGE_RATE_PER_MINUTE", default=30)
SURVEY_COMPLAINT_TEAM = env.str("SURVEY_COMPLAINT_TEAM", default="")

# Report runs: a step's lease outlives the task's hard time limit; a run whose next step
# was not claimed for REPORT_RUN_STALL_SECONDS is published again; a step started
# REPORT_RUN_MAX_ATTEMPTS times without finishing (its worker killed each time) fails the run.
REPORT_RUN_LEASE_SECONDS = env.int("REPORT_RUN_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
REPORT_RUN_STALL_SECONDS = env.int("REPORT_RUN_STALL_SECONDS", default=120)
REPORT_RUN_MAX_ATTEMPTS = env.int("REPORT_RUN_MAX_ATTEMPTS", default=3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The name used in mail subjects and page titles.
SERVICE_DESK_NAME = env.str("SERVICE_DESK_NAME", default="servicedesk")
