"""Settings for Tuijin.

Everything an operator may change comes from the environment (see docs/operations.md);
everything else is decided here once. The data folder holds the SQLite database, uploaded
files and the generated secret key, so one folder is the whole state of an embedded install.
"""

import importlib.util
import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TUIJIN_DATA_DIR", "data")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _ensure_data_dir() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "media").mkdir(exist_ok=True)
    (DATA_DIR / "static").mkdir(exist_ok=True)


def _secret_key() -> str:
    """Read the key from the environment, else from the data folder, creating it (0600)."""
    if os.environ.get("TUIJIN_SECRET_KEY"):
        return os.environ["TUIJIN_SECRET_KEY"]
    _ensure_data_dir()
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("TUIJIN_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("TUIJIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TUIJIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "tuijin.core",
    "tuijin.projects",
    "tuijin.supervision",
    "tuijin.cockpit",
    "tuijin.enterprises",
    "tuijin.appeals",
    "tuijin.outreach",
    "tuijin.drives",
    "tuijin.discipline",
]

MIDDLEWARE = [
    "tuijin.core.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tuijin.core.middleware.RequestBoundsMiddleware",
    "tuijin.core.middleware.RejectedFormMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tuijin.core.storage.StorageFullMiddleware",
    "tuijin.core.sessions.SessionLimitsMiddleware",
    "tuijin.core.sessions.SignInStepsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tuijin.urls"
WSGI_APPLICATION = "tuijin.wsgi.application"
AUTH_USER_MODEL = "core.User"

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
                "tuijin.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in the data folder by default (WAL, immediate write transactions, busy timeout);
# PostgreSQL when DATABASE_URL says so.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    _ensure_data_dir()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "tuijin.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Sign-in --------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # The portal's sign-in mobile and the name shown count as well as the account name.
        "OPTIONS": {
            "user_attributes": (
                "username",
                "first_name",
                "last_name",
                "email",
                "display_name",
                "mobile",
            )
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = int(os.environ.get("TUIJIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours locked out after too many failures
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two-step sign-in (tuijin.core.otp): required for these role codes (a superuser counts as
# admin), available to everyone. An empty value requires it of no one (the demo's choice).
_OTP_ROLES = os.environ.get("TUIJIN_OTP_REQUIRED_ROLES", "principal,supervision,admin")
TUIJIN_OTP_REQUIRED_ROLES = tuple(code.strip() for code in _OTP_ROLES.split(",") if code.strip())
OTP_TOTP_ISSUER = "推进"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Password rotation: after this many days a password must be changed at the next sign-in.
# 0 (the default) turns it off: ASVS 5.0 forbids forced rotation, level-3 reviews may ask for it.
TUIJIN_PASSWORD_MAX_DAYS = int(os.environ.get("TUIJIN_PASSWORD_MAX_DAYS", "0"))

SECURE = _env_bool("TUIJIN_SECURE")  # served over HTTPS behind a proxy
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after TUIJIN_SESSION_IDLE_MINUTES without a request, and in any case
# TUIJIN_SESSION_MAX_HOURS after signing in (tuijin.core.sessions).
TUIJIN_SESSION_IDLE_MINUTES = int(os.environ.get("TUIJIN_SESSION_IDLE_MINUTES", "30"))
TUIJIN_SESSION_MAX_HOURS = int(os.environ.get("TUIJIN_SESSION_MAX_HOURS", "8"))
SESSION_COOKIE_AGE = TUIJIN_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only allows a submission to the browsers' preload list, which stays the operator's
    # deliberate step (docs/operations.md); an intranet name is never submitted.
    SECURE_HSTS_PRELOAD = True
# Addresses of the reverse proxies (nginx) whose X-Forwarded-For is believed; the client's
# address is REMOTE_ADDR otherwise (tuijin.core.security.client_ip, docs/operations.md).
TUIJIN_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("TUIJIN_TRUSTED_PROXIES", "").split(",") if p.strip()
]
# The lockout counts failures per REMOTE_ADDR as ClientAddressMiddleware decided it, never
# per a header the client could forge.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Content Security Policy (django-csp): scripts and style sheets only from our own static
# files, no inline script, no plugin, no framing. Inline style *attributes* stay allowed
# (style-src-attr): templates size cards and charts with them and ECharts sets them; they
# cannot run code. Images may be data: URIs (QR codes, Bootstrap's icons in its CSS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Uploads: a full disk gives a clear error and leaves no half-written file (tuijin/core/storage.py).
STORAGES = {
    "default": {"BACKEND": "tuijin.core.storage.Storage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
TUIJIN_MAX_IMPORT_BYTES = int(os.environ.get("TUIJIN_MAX_IMPORT_BYTES", str(10 * 1024 * 1024)))
# Limits an uploaded Excel file must meet before it is unpacked or read (tuijin/core/workbooks.py):
# zip entries, total unpacked size, compression ratio of a member over 1 MB, rows and columns.
TUIJIN_IMPORT_MAX_ENTRIES = int(os.environ.get("TUIJIN_IMPORT_MAX_ENTRIES", "200"))
TUIJIN_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("TUIJIN_IMPORT_MAX_UNZIPPED_BYTES", str(100 * 1024 * 1024))
)
TUIJIN_IMPORT_MAX_RATIO = int(os.environ.get("TUIJIN_IMPORT_MAX_RATIO", "100"))
TUIJIN_IMPORT_MAX_ROWS = int(os.environ.get("TUIJIN_IMPORT_MAX_ROWS", "200000"))
TUIJIN_IMPORT_MAX_COLUMNS = int(os.environ.get("TUIJIN_IMPORT_MAX_COLUMNS", "200"))
# Overdue working days after which a supervision order goes to the contact leader (twice that:
# to the principal leaders), and after which an enterprise request becomes a supervision order.
TUIJIN_ORDER_ESCALATE_AFTER = int(os.environ.get("TUIJIN_ORDER_ESCALATE_AFTER", "3"))
TUIJIN_APPEAL_ESCALATE_AFTER = int(os.environ.get("TUIJIN_APPEAL_ESCALATE_AFTER", "3"))

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # Keyset pages with a bounded count (tuijin/core/paging.py): fast at any depth.
    "DEFAULT_PAGINATION_CLASS": "tuijin.core.paging.KeysetPagination",
    # JSON with a bound on nesting (tuijin/core/parsers.py), forms and uploads as DRF's own.
    "DEFAULT_PARSER_CLASSES": [
        "tuijin.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tuijin.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "推进 Tuijin API",
    "DESCRIPTION": "县域重点项目与惠企服务平台接口。机器用令牌认证，人员用会话认证。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several fields (``check --deploy`` warns otherwise).
    "ENUM_NAME_OVERRIDES": {
        "HalfEnum": "tuijin.outreach.models.Half",
        "LeadStatusEnum": "tuijin.outreach.models.LeadStatus",
    },
    # Every operation documents its refusals (400/401/403/404/412) in the error shape.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tuijin.core.schema.document_refusals",
    ],
}

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TUIJIN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Notifications beyond the inbox ---------------------------------------------------------
# Email copies of inbox messages are off unless TUIJIN_EMAIL_NOTIFICATIONS is on; the mail
# server comes from TUIJIN_EMAIL_*. TUIJIN_BASE_URL (e.g. https://tuijin.example.gov.cn) makes
# the links in emails and group-robot messages absolute; without it they carry no link.
# Robot channels (WeCom, DingTalk) are set up on the 「消息推送」 page (docs/operations.md).
TUIJIN_EMAIL_NOTIFICATIONS = _env_bool("TUIJIN_EMAIL_NOTIFICATIONS")
TUIJIN_BASE_URL = os.environ.get("TUIJIN_BASE_URL", "").strip().rstrip("/")
EMAIL_HOST = os.environ.get("TUIJIN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("TUIJIN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("TUIJIN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TUIJIN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("TUIJIN_EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_bool("TUIJIN_EMAIL_USE_SSL")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("TUIJIN_EMAIL_FROM", "推进平台 <noreply@localhost>")

# --- Audit ----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# The audit hash chain: plain SHA-256 by default; TUIJIN_AUDIT_HMAC=sm3 seals new links with
# HMAC-SM3 under TUIJIN_AUDIT_KEY, else the data folder's audit_key file (tuijin.core.audit).
TUIJIN_AUDIT_HMAC = os.environ.get("TUIJIN_AUDIT_HMAC", "").strip().lower()
TUIJIN_AUDIT_KEY = os.environ.get("TUIJIN_AUDIT_KEY", "")

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "tuijin.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- Tests ----------------------------------------------------------------------------------
# Under pytest, django-zeal (a dev dependency) watches for N+1 queries in every request (its
# middleware) and every management command (the autouse fixture of tuijin/conftest.py, whose
# receiver raises on each one of product code: ZEAL_RAISE is off so that it decides).
TESTING = "pytest" in sys.modules
if TESTING and importlib.util.find_spec("zeal") is not None:
    INSTALLED_APPS.append("zeal")
    MIDDLEWARE.append("zeal.middleware.zeal_middleware")
    ZEAL_RAISE = False
    # Not N+1s: the audit chain (tuijin.core.audit.seal_entry) locks its one head row and
    # rereads the entry once per written entry, by design, so a request that saves two
    # audited rows runs these two .get() twice.
    ZEAL_ALLOWLIST = [
        {"model": "core.AuditChainHead", "field": "get()"},
        {"model": "auditlog.LogEntry", "field": "get()"},
        # Not an N+1 either: the audit entry of each kind of record looks its content type up
        # once per process (ContentType's cache), but the browser tests' database flushes
        # empty that cache, so a request saving two kinds of records looks up two of them.
        {"model": "contenttypes.ContentType", "field": "get()"},
    ]
