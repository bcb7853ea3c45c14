"""Settings for the support portal.

Every value that differs between machines comes from an environment variable;
the README's configuration table lists them all. Without any variable set the
portal runs on embedded defaults: SQLite under var/, django-q2's ORM broker,
a cache table in that database and email written to files under var/mail/.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)


def development_secret_key():
    """A key generated once per checkout and kept under var/, for development only."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Commands that only read or write the code (migrations, messages) sign nothing and serve
# nobody: they run without a key, as a check of a fresh checkout does.
CODE_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "help", "version"}

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = development_secret_key()
    elif Path(sys.argv[0]).name == "manage.py" and set(sys.argv[1:2]) & CODE_COMMANDS:
        SECRET_KEY = secrets.token_urlsafe(50)  # this process's only, never stored
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (in development: DEBUG=1, or make run)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Hosting Support Portal")

INSTALLED_APPS = [
    "unfold.apps.BasicAppConfig",  # the back office theme; before the admin so its templates win
    "portal.apps.BackOfficeAdminConfig",  # django.contrib.admin with portal.backoffice's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_q",
    "csp",
    "portal",
    "accounts",
    "support.apitokens",
    "support.api",
    "support.webhooks",
    "support.outbox",
    "support.tickets",
    "support.status",
    "support.kb",
    "support.inbound",
    "support.surveys",
    "support.oncall",
    "support.reports",
]

MIDDLEWARE = [
    # First: public pages answered from whole cached responses (see there).
    "portal.fastpath.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security.ContentSecurityPolicyMiddleware",
    "portal.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.PrivateAnswersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.LanguageMiddleware",
    "portal.middleware.TimezoneMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
    "accounts.middleware.OrganizationTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "accounts.context_processors.organizations",
            ],
            "builtins": ["portal.templatetags.dates", "portal.templatetags.words"],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# The back office's covering index (PostgreSQL) is a plain index on SQLite, as intended.
SILENCED_SYSTEM_CHECKS = [] if USING_POSTGRES else ["models.W040"]

# Cache and task queue: Redis when REDIS_URL is set, otherwise the database (cache table and
# django-q2's ORM broker).
REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_CACHE = {
    "BACKEND": "portal.cache.SharedDatabaseCache",
    "LOCATION": "portal_cache",
    "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    # One table in the database, shared by every worker (see portal/cache.py); the
    # migration portal 0001 creates it.
    CACHES = {"default": DATABASE_CACHE}

Q_CLUSTER = {
    "name": "portal",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 90,
    "retry": 120,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "label": _("Task queue"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# People and sign-in.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.StaffGroupsBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # keeps this session; every other session ends
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "add_webauthn": "accounts.mfa_forms.AddWebAuthnForm",
    "edit_webauthn": "accounts.mfa_forms.EditWebAuthnForm",
}
MFA_TOTP_ISSUER = SITE_NAME
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", not DEBUG)

# Proxies in front of the portal decide which headers can be trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Languages and time.
LANGUAGE_CODE = "en"
# One date style, "30 Nov 2026, 08:08" / "2026年11月30日 08:08": portal/formats, portal/dates.py.
FORMAT_MODULE_PATH = ["portal.formats"]
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

# The back office (django-unfold): sidebar grouped by work, dashboard on the admin index.
UNFOLD = {
    "SITE_TITLE": "portal.backoffice.site_title",
    "SITE_HEADER": "portal.backoffice.site_title",
    "SITE_SYMBOL": "support_agent",
    "SITE_URL": "/",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "DASHBOARD_CALLBACK": "portal.backoffice.dashboard_callback",
    "STYLES": ["portal.backoffice.styles"],
    "SCRIPTS": ["portal.backoffice.scripts"],
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "portal.backoffice.navigation",
    },
}

# Static and uploaded files.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: downloads go through permission-checked views
WHITENOISE_MAX_AGE = 3600

# Email. Everything is queued in the outbox table and delivered by django-q2.
EMAIL_BACKEND = "support.outbox.backend.OutboxBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Hosting Support <support@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# How long a deliverer holds an outbox row it claimed: one whose deliverer died is sent again
# after this (support/outbox). Longer than the slowest SMTP conversation.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 600)

# Inbound email (support.inbound): an IMAP mailbox polled every minute, when IMAP_HOST is set.
IMAP_HOST = os.environ.get("IMAP_HOST", "")
IMAP_SSL = env_bool("IMAP_SSL", True)
IMAP_PORT = env_int("IMAP_PORT", 993 if IMAP_SSL else 143)
IMAP_USER = os.environ.get("IMAP_USER", "")
IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
IMAP_PROCESSED_FOLDER = os.environ.get("IMAP_PROCESSED_FOLDER", "")  # empty: flag \Seen only
INBOUND_UNKNOWN_SENDERS = os.environ.get("INBOUND_UNKNOWN_SENDERS", "triage")
if INBOUND_UNKNOWN_SENDERS not in ("triage", "reply"):
    raise ImproperlyConfigured('INBOUND_UNKNOWN_SENDERS must be "triage" or "reply".')
INBOUND_RATE_LIMIT = env_int("INBOUND_RATE_LIMIT", 20)  # messages per sender and window
INBOUND_RATE_LIMIT_WINDOW = env_int("INBOUND_RATE_LIMIT_WINDOW", 3600)  # seconds
# The portal's own rate limits (portal/ratelimit.py): (requests, seconds) per client IP.
TOKEN_ENDPOINT_RATE_LIMIT = (env_int("TOKEN_ENDPOINT_RATE_LIMIT", 120), 60)
KB_VOTE_RATE_LIMIT = (env_int("KB_VOTE_RATE_LIMIT", 30), 600)
KB_SUGGEST_RATE_LIMIT = (env_int("KB_SUGGEST_RATE_LIMIT", 120), 60)
INBOUND_MAX_MESSAGE_BYTES = env_int("INBOUND_MAX_MESSAGE_BYTES", 40 * 1024 * 1024)
# Replies prove who sent them by a signed token in the reply address, e.g.
# "support+{token}@example.com" (the mail server must deliver plus addresses to the mailbox).
INBOUND_REPLY_ADDRESS = os.environ.get("INBOUND_REPLY_ADDRESS", "").strip()
if INBOUND_REPLY_ADDRESS and (
    INBOUND_REPLY_ADDRESS.count("{token}") != 1
    or "@" not in INBOUND_REPLY_ADDRESS.partition("{token}")[2]
):
    raise ImproperlyConfigured(
        'INBOUND_REPLY_ADDRESS must hold "{token}" once, before the "@", e.g. '
        '"support+{token}@example.com".'
    )
# The authserv-id of the operator's own mail server in the Authentication-Results headers it adds.
INBOUND_TRUSTED_AUTHSERV_ID = os.environ.get("INBOUND_TRUSTED_AUTHSERV_ID", "").strip()

# Security.
# Database sessions, read with a plain SELECT (portal/sessions.py).
SESSION_ENGINE = "portal.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer (django-csp, see portal/security.py): scripts and
# styles only from our own static files (or carrying this response's nonce), no inline
# code, no framing, images only from this site (Markdown images become links).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
JSON_MAX_BODY_BYTES = env_int(
    "JSON_MAX_BODY_BYTES", 1024 * 1024
)  # JSON bodies (portal/jsonbody.py)
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["portal.jsonbody.SafeJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The customer REST API (/api/v1/) and its OpenAPI description.
# Requests per minute (portal/ratelimit.py counts them in the shared cache).
API_RATE_PER_TOKEN = (env_int("API_RATE_PER_TOKEN", 120), 60)
API_RATE_PER_ADDRESS = (env_int("API_RATE_PER_ADDRESS", 300), 60)
API_MAX_REQUEST_BYTES = env_int("API_MAX_REQUEST_BYTES", 25 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Hosting Support Portal API",
    "DESCRIPTION": (
        "Tickets, services, incidents and the knowledge base of your organisation, and "
        "provisioning for billing systems. Authenticate with `Authorization: Bearer <token>` "
        "(tokens are created at /accounts/api-tokens/). Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["support.api.schema.only_the_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "support.api.schema.add_problem_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "support.tickets.models.Ticket.Status",
        "PriorityEnum": "support.tickets.models.Priority",
        "ComponentStatusEnum": "support.status.models.ComponentStatus",
        "IncidentStatusEnum": "support.status.models.IncidentStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Outgoing webhooks (webhooks app).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_DISABLE_AFTER_DAYS = env_int("WEBHOOK_DISABLE_AFTER_DAYS", 3)

# Who may create an account: "open" (anyone) or "invitation" (only people invited).
SIGNUP_MODE = os.environ.get("SIGNUP_MODE", "open")
if SIGNUP_MODE not in ("open", "invitation"):
    raise ImproperlyConfigured('SIGNUP_MODE must be "open" or "invitation".')

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Support tickets.
TICKET_ATTACHMENT_MAX_BYTES = env_int("TICKET_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
TICKET_ATTACHMENT_ALLOWED_TYPES = env_list(
    "TICKET_ATTACHMENT_ALLOWED_TYPES",
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
    "application/json,application/zip,application/gzip,application/x-tar,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
TICKET_AUTO_CLOSE_DAYS = env_int("TICKET_AUTO_CLOSE_DAYS", 4)
# The SLA sweep (support.tickets.tasks): tickets per batch (one transaction each, well under
# 5 s) and the seconds after which a run stops starting batches (the next minute goes on).
# A run must end inside django-q2's timeout, with room for its last batch and the digests.
SLA_SWEEP_BATCH = env_int("SLA_SWEEP_BATCH", 500)
SLA_SWEEP_SECONDS = env_int("SLA_SWEEP_SECONDS", 40)
if SLA_SWEEP_BATCH < 1 or not 1 <= SLA_SWEEP_SECONDS <= Q_CLUSTER["timeout"] - 30:
    raise ImproperlyConfigured(
        f"SLA_SWEEP_BATCH must be at least 1 and SLA_SWEEP_SECONDS between 1 and "
        f"{Q_CLUSTER['timeout'] - 30} (django-q2's timeout less 30 s)."
    )
TICKET_URGENT_REQUESTS_PER_DAY = env_int("TICKET_URGENT_REQUESTS_PER_DAY", 3)
ONCALL_ACK_MINUTES = env_int("ONCALL_ACK_MINUTES", 5)
ONCALL_ACK_LINK_HOURS = env_int("ONCALL_ACK_LINK_HOURS", 24)
ONCALL_UPDATE_REMINDER_MINUTES = env_int("ONCALL_UPDATE_REMINDER_MINUTES", 5)

# Running at scale: shared file storage, a read replica, JSON logs and Prometheus metrics.
# Files: S3-compatible object storage when S3_BUCKET is set, else MEDIA_ROOT on this node.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            # Path-style addressing suits MinIO, Ceph and other self-hosted stores.
            "addressing_style": os.environ.get(
                "S3_ADDRESSING_STYLE", "path" if S3_ENDPOINT_URL else "auto"
            ),
            "default_acl": None,  # the bucket stays private; the portal streams every download
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
# How many web nodes this deployment runs; the deploy checks ask for shared storage above 1.
WEB_NODES = env_int("WEB_NODES", 1)

# A read replica for reports and other heavy read-only pages (portal.db.reads_from_replica).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 30)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["portal.db.ReplicaRouter"]
    MIDDLEWARE.append("portal.db.PinToPrimaryMiddleware")

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured('LOG_FORMAT must be "text" or "json".')
if LOG_FORMAT == "json":
    LOGGING["formatters"] = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    }
    LOGGING["handlers"]["console"]["formatter"] = "json"

# Prometheus metrics at /metrics, for callers sending "Authorization: Bearer METRICS_TOKEN".
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
if METRICS_TOKEN:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
    PROMETHEUS_EXPORT_MIGRATIONS = False
