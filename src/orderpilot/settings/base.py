"""Settings read from the environment, with embedded defaults.

Embedded mode (no variables set): SQLite in WAL mode and a SQLite Celery broker, both under
``ORDERPILOT_DATA_DIR`` (default ``./var``). Distributed mode: ``DATABASE_URL`` (PostgreSQL) and
``CELERY_BROKER_URL`` (RabbitMQ or Redis). Nothing else differs between the two.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ORDERPILOT_DATA_DIR", "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The secret key from the environment, or one generated once and kept in the data dir."""
    key = os.environ.get("ORDERPILOT_SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    from django.utils.crypto import get_random_string

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = get_random_string(64, "abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)")
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("ORDERPILOT_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ORDERPILOT_ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ORDERPILOT_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "orderpilot.core.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "orderpilot.core",
    "orderpilot.channels",
    "orderpilot.customers",
    "orderpilot.catalog",
    "orderpilot.orders",
    "orderpilot.shipping",
    "orderpilot.invoicing",
    "orderpilot.payments",
    "orderpilot.tickets",
    "orderpilot.notifications",
    "orderpilot.cockpit",
    "orderpilot.api",
    "orderpilot.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orderpilot.core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orderpilot.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "orderpilot.urls"
WSGI_APPLICATION = "orderpilot.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cockpit:board"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "orderpilot.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while a worker writes; IMMEDIATE takes the write lock at the
        # start of a transaction, so two writers queue up instead of failing on lock upgrade.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("ORDERPILOT_LANGUAGE", "de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("ORDERPILOT_TIME_ZONE", "Europe/Berlin")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the apps' static folders directly, so a fresh checkout needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("ORDERPILOT_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = os.environ.get("ORDERPILOT_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
#: where ``ORDERPILOT_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend`` (the demo's) writes
EMAIL_FILE_PATH = os.environ.get("ORDERPILOT_EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("ORDERPILOT_FROM_EMAIL", "orderpilot@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "orderpilot.api.authentication.EnvironmentTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # signed in and holding the operator role, as for every cockpit page (orderpilot.api.permissions)
    "DEFAULT_PERMISSION_CLASSES": ["orderpilot.api.permissions.HasOperatorRole"],
    "DEFAULT_PARSER_CLASSES": [
        "orderpilot.api.parsers.JSONParser",  # a body nested too deeply is a 400, not a 500
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OrderPilot API",
    "DESCRIPTION": "Orders, customers, tickets, shipping confirmations and invoices.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # like the rest of /api/ (CONTRACT.md §3): anonymous requests get 401/403
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- background work -------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{DATA_DIR / 'broker.sqlite3'}"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ORDERPILOT_QUEUE", "orderpilot")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

#: Seconds between two scheduler sweeps; each sweep queues the periodic jobs that are due.
ORDERPILOT_SWEEP_SECONDS = float(os.environ.get("ORDERPILOT_SWEEP_SECONDS", "5"))
#: Queue a worker task right after a commit that made work due (False: wait for the next sweep or tick).
ORDERPILOT_KICK_WORKERS = env_bool("ORDERPILOT_KICK_WORKERS", True)
#: Orders one engine pass takes at most; each runs in its own savepoint.
ORDERPILOT_STEP_BATCH = int(os.environ.get("ORDERPILOT_STEP_BATCH", "50"))
ORDERPILOT_OUTBOX_BATCH = int(os.environ.get("ORDERPILOT_OUTBOX_BATCH", "50"))
#: Delivery attempts before an outbox entry becomes a dead letter with a ticket.
ORDERPILOT_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("ORDERPILOT_OUTBOX_MAX_ATTEMPTS", "8"))
#: An outbox entry in flight for longer than this is taken to belong to a dead worker.
ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT = float(os.environ.get("ORDERPILOT_OUTBOX_INFLIGHT_TIMEOUT", "300"))
ORDERPILOT_STEP_MAX_ATTEMPTS = int(os.environ.get("ORDERPILOT_STEP_MAX_ATTEMPTS", "5"))
#: how long before the marketplace's latest ship date a still unshipped order opens a warning ticket
ORDERPILOT_SHIP_BY_WARNING = os.environ.get("ORDERPILOT_SHIP_BY_WARNING", "12h")
ORDERPILOT_API_TOKEN = os.environ.get("ORDERPILOT_API_TOKEN", "")
#: days after an order was completed or cancelled until its buyer's personal data is anonymised
ORDERPILOT_PII_RETENTION_DAYS = int(os.environ.get("ORDERPILOT_PII_RETENTION_DAYS", "30"))
#: a bearer token for Prometheus to read /api/metrics/ without a login
ORDERPILOT_METRICS_TOKEN = os.environ.get("ORDERPILOT_METRICS_TOKEN", "")
ORDERPILOT_DATA_DIR = DATA_DIR

#: ``plain`` (one readable line) or ``json`` (one JSON object per line, for log collectors)
LOG_FORMAT = os.environ.get("ORDERPILOT_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"ORDERPILOT_LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"},
        "json": {"()": "orderpilot.core.logjson.JsonLogFormatter", "fmt": "%(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        # the order, channel, outbox message or job the line is about (core.logcontext)
        "context": {"()": "orderpilot.core.logcontext.AddLogContext"},
        # tokens, client secrets and passwords are masked in whatever reaches the log (core.logredact)
        "redact": {"()": "orderpilot.core.logredact.RedactSecrets"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ORDERPILOT_LOG_LEVEL", "INFO")},
    # sp_api logs request headers (access tokens) at DEBUG: never let that through
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "sp_api": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # one line per request is noise, not news
    },
}
