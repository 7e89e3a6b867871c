"""Settings shared by every mode.

Two modes, one code base: with no environment variables the portal runs embedded
(SQLite file, in-memory channel layer); with DATABASE_URL and REDIS_URL it runs on
PostgreSQL and Redis with any number of daphne processes.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "portal",
    "projects",
    "supervision",
    "meetings",
    "cms",
    "reports",
    "portal.site",
    "axes",
    "csp",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.sitemaps",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.api.v3",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "guardian",
    "channels",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.site.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in: which device verified this session, then no session of someone who
    # owes a second factor is left signed in without it (portal/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "portal.two_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSPMiddleware: frame-ancestors follows X-Frame-Options, no-store when signed in.
    "portal.site.middleware.SecurityHeadersMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "portal.errors.NotVisibleAs404Middleware",
    # Last: turns a locked-out sign-in into the 429 page (or JSON for the API).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.site.urls"
ASGI_APPLICATION = "portal.site.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.site.context_processors.portal",
            ],
        },
    },
]

# Widgets render from the template engines above, so that templates/wagtailadmin/widgets/
# overrides Wagtail's date and time inputs (their inline scripts break the CSP below).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Content-Security-Policy and headers -----------------------------------------------------
# No inline script and no eval anywhere: the portal's pages load portal/static/portal/*.js; the
# few inline scripts of Wagtail's admin are replaced by templates/wagtailadmin/ overrides read by
# portal/static/portal/admin-csp.js (portal/site/wagtail_hooks.py). 'self' covers the same
# host's ws:/wss: (CSP level 3). frame-ancestors is 'none' unless a view allows same-origin
# framing (Wagtail's preview): portal/site/middleware.py. A view that sets its own header (the
# file download) keeps it. Violations are logged by /csp-report/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "report-uri": "/csp-report/",
    }
}
CSP_REPORT_MAX_BYTES = 16 * 1024
# Nothing fetched from third parties by the admin: not Wagtail's release check, not Gravatar
# (the hash of each person's email sent abroad; unreachable from here anyway): img-src 'self'.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# --- Database: a SQLite file by default, PostgreSQL when DATABASE_URL is set ---------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Kept open: websockets' log reads would otherwise each open a connection.
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "db.sqlite3")),
            "OPTIONS": {
                # Writers take the lock when their transaction begins, so concurrent
                # writers (daphne, worker, scheduler) queue instead of failing.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer: in-memory for one process, Redis for several ----------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# redis-py 8's async pool defaults to 100 connections and raises MaxConnectionsError beyond
# it. A process's sockets share one receive (portal/site/live.py); the sends of requests and
# of the signal courier take the others.
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "2000"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": REDIS_MAX_CONNECTIONS,
                        # Short: a Redis outage must not hold up the request that committed.
                        "socket_connect_timeout": 0.5,
                        # Above channels_redis's 5-second blocking receive, or every idle
                        # receive would time out.
                        "socket_timeout": 10,
                    }
                ],
                # Bursts (a department approving a batch) must not overflow a socket's channel.
                "capacity": int(os.environ.get("CHANNEL_CAPACITY", "5000")),
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "portal"),
                "expiry": 60,
                # Longer than a working week, so an idle tab over a weekend stays subscribed.
                "group_expiry": 9 * 24 * 3600,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # Channels' in-memory layer with its expiry walk amortised (O(N) per broadcast,
            # not O(N^2)); see portal/site/channel_layers.py.
            "BACKEND": "portal.site.channel_layers.AmortisedInMemoryChannelLayer",
            "CONFIG": {"capacity": 5000, "expiry": 60, "group_expiry": 9 * 24 * 3600},
        }
    }

# One cache for every process when Redis is there: the rate limits of the public lookups
# (progress lookup, case tracking) and the /open/ figures are then shared by all daphne
# processes; without Redis (the embedded mode, one process) Django's local-memory cache.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal-cache"),
            "TIMEOUT": 600,
        }
    }

# --- Background work --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# How often a process re-counts the decided approvals to notice a new decision for the
# forecasts' history (projects/history.py): a count over the whole table, once a minute rather
# than on every project page and helper's list.
FORECAST_HISTORY_RECHECK_SECONDS = int(os.environ.get("FORECAST_HISTORY_RECHECK_SECONDS", "60"))

# --- Accounts and permissions ----------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before the password is tried.
    "portal.accounts.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Failed sign-ins: locked by the pair (username, address) after AXES_FAILURE_LIMIT failures,
# for AXES_COOLOFF_MINUTES; staff unlock at /accounts/lockouts/. Behind a reverse proxy set
# AXES_PROXY_COUNT (1 for one nginx) so that the client's address is read, not the proxy's.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False  # staff unlock in the portal, not in Django's admin
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# API bearer tokens: each expires this many days after it was made; a person holds at most
# this many at once. A password change or a deactivation revokes them all.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
API_TOKENS_PER_USER = int(os.environ.get("API_TOKENS_PER_USER", "10"))
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# --- Two-factor sign-in ---------------------------------------------------------------------
# After the password, anyone with a confirmed authenticator (TOTP, or a backup code) gives a
# code before the session is signed in; with PORTAL_REQUIRE_2FA, bureau staff and editors
# without one must set it up first. This applies to every login surface (the portal's, Wagtail's
# and Django's admin) and to POST /api/v1/tokens: portal/two_factor.py. On in production.
PORTAL_REQUIRE_2FA = env_bool("PORTAL_REQUIRE_2FA", False)
# Wrong codes in a row before the account's second step is locked, and for how long.
PORTAL_2FA_FAILURE_LIMIT = int(os.environ.get("PORTAL_2FA_FAILURE_LIMIT", "5"))
PORTAL_2FA_COOLOFF_MINUTES = int(os.environ.get("PORTAL_2FA_COOLOFF_MINUTES", "15"))
# How long a right password waits for its code.
PORTAL_2FA_PENDING_SECONDS = 600
PORTAL_2FA_BACKUP_CODES = 10
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Major-project portal")
# django-otp's own exponential delay is off: the lock above is the one rule, with a message.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# --- Languages and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", _("Chinese (Simplified)")), ("en", _("English"))]

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Email -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@portal.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "重大项目服务平台"
WAGTAILADMIN_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# Wagtail's database backend (SQLite FTS5 or PostgreSQL) with Chinese cut into words on the way
# into the index and out of every query: cms/search_backend.py. "simple": no stemming on
# PostgreSQL, so that both databases match the same words (Latin words match as prefixes).
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "cms.search_backend", "SEARCH_CONFIG": "simple"},
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILAPI_TOKEN_LAST_USED_INTERVAL = 60

# --- Uploads ---------------------------------------------------------------------------------
PORTAL_UPLOAD_MAX_BYTES = int(os.environ.get("PORTAL_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Portal ----------------------------------------------------------------------------------
PORTAL_BASE_URL = WAGTAILADMIN_BASE_URL
# Extra origins (scheme://host[:port]) allowed to open websockets besides the site itself.
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS")
# The right-hand side of calendar UIDs: stable, so updates replace the same event.
ICAL_UID_DOMAIN = os.environ.get("ICAL_UID_DOMAIN", "portal.localhost")
WEBSOCKET_HEARTBEAT_SECONDS = 25
# Every process polls the event log this often, which bounds the delay after a lost signal.
LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "2"))
LIVE_POLL_LOOKBACK = 30
LIVE_REDIS_WATCH_SECONDS = float(os.environ.get("LIVE_REDIS_WATCH_SECONDS", "3"))
REALTIME_TICKET_SECONDS = 30
# Fixed-interval jobs the scheduler enqueues: name -> (task path, interval in seconds[, offset
# in seconds from UTC midnight]). Daily jobs use the offset to run at a chosen time.
PERIODIC_TASKS = {
    "wagtail.publish_scheduled": ("portal.tasks.publish_scheduled", 60),
    "portal.prune_housekeeping": ("portal.tasks.prune_housekeeping", 3600),
    # 08:00 in Beijing: an unconfirmed working-day calendar year, once per year.
    "projects.calendar_year_warning": ("projects.tasks.calendar_year_warning", 86400, 0),
    # Every hour: the supervision sweep does each working day's cards, ladder steps and case
    # stage checks once (keyed by date), so a missed hour or a second scheduler changes nothing.
    # Its yellow and red cards replace the nightly due-soon/overdue email of the deadline sweep
    # (`projects.services.deadline_sweep`, no longer scheduled: the lead helper would hear
    # twice).
    "supervision.daily_sweep": ("supervision.tasks.daily_sweep", 3600),
    # 02:00 in Beijing (18:00 UTC): the statistics' per-approval facts rebuilt whole (the
    # services keep them current as approvals change; this catches calendar imports and
    # deleted projects, which send no per-approval event).
    "reports.rebuild_statistics": ("reports.tasks.rebuild_statistics", 86400, 18 * 3600),
    # Every 15 minutes: the daily digests go out from 08:30 Beijing time on working days, once
    # per person and day.
    "portal.notification_digests": ("portal.tasks.send_notification_digests", 900),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
