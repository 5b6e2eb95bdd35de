"""Zhijia settings, read from the environment.

Embedded default (nothing set): SQLite in WAL mode under var/, a file cache, Celery tasks run eagerly.
With DATABASE_URL (PostgreSQL through psycopg 3) and REDIS_URL set, those are used, with a real Celery broker.
"""

import json
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZHIJIA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# The embedded default has a fixed development key; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "zhijia-insecure-embedded-default-key-change-me-in-production")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# Served over plain HTTP on 127.0.0.1 by `make run`; behind TLS in production set HTTPS=1.
HTTPS = env_bool("HTTPS", False)
# "production" refuses the demo seed and the embedded secret key.
ZHIJIA_ENV = os.environ.get("ZHIJIA_ENV", "development")
DEMO_ALLOWED = ZHIJIA_ENV != "production"
if ZHIJIA_ENV == "production" and "insecure" in SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set in production")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "zhijia.core",
    "zhijia.orgs",
    "zhijia.accounts",
    "zhijia.audit",
    "zhijia.members",
    "zhijia.wellbeing",
    "zhijia.volunteers",
    "zhijia.appeals",
    "zhijia.care",
    "zhijia.benefits",
    "zhijia.stations",
    "zhijia.studios",
    "zhijia.challenge",
    "zhijia.contests",
    "zhijia.honors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhijia.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "zhijia.urls"
WSGI_APPLICATION = "zhijia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zhijia" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "zhijia.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and os.environ.get("DATABASE_PREPARED", "1") != "0":
        # Server-side binding lets psycopg prepare a statement the second time a connection runs it: PostgreSQL then
        # skips planning (most of a hot, many-join read's cost). Set DATABASE_PREPARED=0 behind a pooler that cannot
        # keep prepared statements (PgBouncer in transaction mode before 1.21).
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "zhijia.sqlite3")),
            # WAL is switched on at connection time (zhijia.core.apps); IMMEDIATE makes writers queue on the lock
            # instead of failing with "database is locked" when they upgrade from a read.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", "test_" + DATABASES["default"]["NAME"]
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"

# --- Redis, cache, Celery -------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # ZHIJIA_REDIS_PREFIX keeps two installations (or a benchmark's throwaway one) apart in one Redis: the cache's
    # keys and the counters and markers built on its prefix (rate limits, Idempotency-Keys).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("ZHIJIA_REDIS_PREFIX", "")}}
else:
    # Shared between the several gunicorn workers of `make run`, unlike the local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or env_bool("CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict = {
    "escalate-crisis-flags": {"task": "zhijia.wellbeing.tasks.escalate_crisis_flags_task", "schedule": 120.0},
    "remind-counselling-bookings": {"task": "zhijia.wellbeing.tasks.remind_bookings_task", "schedule": 900.0},
    "purge-expired-wellbeing-data": {"task": "zhijia.wellbeing.tasks.purge_wellbeing_data_task",
                                     "schedule": 86400.0},
    "appeals-deadline-sweep": {"task": "zhijia.appeals.tasks.sweep_appeal_deadlines_task", "schedule": 300.0},
    "appeals-outbox-deliver": {"task": "zhijia.appeals.tasks.deliver_appeal_outbox_task", "schedule": 60.0},
    "appeals-rating-expire": {"task": "zhijia.appeals.tasks.expire_appeal_ratings_task", "schedule": 3600.0},
    # Daily reminders for hardship files whose annual review falls due (idempotent, so any interval works).
    "care-review-reminders": {"task": "zhijia.care.tasks.send_review_reminders_task", "schedule": 86400.0},
    "benefits-expire-holds": {"task": "benefits.expire_holds_task", "schedule": 60.0},
    "benefits-draw-due": {"task": "benefits.draw_due_lotteries_task", "schedule": 30.0},
    "benefits-reconcile": {"task": "benefits.reconcile_gates_task", "schedule": 600.0},
    # Places in line kept in Redis at a release are written in batches by the claims; this writes the last few.
    "benefits-settle-waitlists": {"task": "benefits.settle_waitlists_task", "schedule": 2.0},
    "challenge-reconcile-totals": {"task": "zhijia.challenge.tasks.reconcile_challenge_totals_task",
                                   "schedule": 86400.0},
    "honors-reconcile-live-totals": {"task": "zhijia.honors.tasks.reconcile_live_totals_task", "schedule": 600.0},
}

# --- Passwords, sessions, security -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Map tiles are the one outside origin a page may load from; empty means offline (no tiles, stations still listed).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# The coordinate system of those tiles: "wgs84" (OpenStreetMap and most) or "gcj02" (高德/腾讯 tiles).
MAP_TILE_COORDS = os.environ.get("MAP_TILE_COORDS", "wgs84")
_tile_origin = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("http") else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"] + ([_tile_origin] if _tile_origin else []),
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- i18n -----------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "zhijia" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (served by the app through whitenoise) --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries come from the npm registry at install time (package.json), never from a CDN.
STATICFILES_DIRS = [BASE_DIR / "zhijia" / "static"]
_VENDOR = {"htmx": "htmx.org/dist", "leaflet": "leaflet/dist", "markercluster": "leaflet.markercluster/dist",
           "chartjs": "chart.js/dist", "jsqr": "jsqr/dist", "noble-ed25519": "@noble/ed25519"}
STATICFILES_DIRS += [(f"vendor/{prefix}", BASE_DIR / "node_modules" / sub) for prefix, sub in _VENDOR.items()
                     if (BASE_DIR / "node_modules" / sub).exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Zhijia ---------------------------------------------------------------------------------------------------
# Key for encrypting personal data at rest and for the keyed hash that finds it; see docs/architecture.md.
# Several keys may be given ("id:base64key,id:base64key"); the first encrypts, all decrypt (rotation).
PII_KEYS = os.environ.get("ZHIJIA_PII_KEYS", "")
SMS_BACKEND = os.environ.get("ZHIJIA_SMS_BACKEND", "zhijia.accounts.sms.LogSmsBackend")
LOGIN_THROTTLE_LIMIT = int(os.environ.get("ZHIJIA_LOGIN_THROTTLE_LIMIT", "5"))
LOGIN_THROTTLE_WINDOW_S = int(os.environ.get("ZHIJIA_LOGIN_THROTTLE_WINDOW_S", "900"))
# care (送温暖, hardship, mutual aid)
CARE_LOCK_TIMEOUT_MS = int(os.environ.get("ZHIJIA_CARE_LOCK_TIMEOUT_MS", "5000"))
CARE_REVIEW_NOTICE_DAYS = int(os.environ.get("ZHIJIA_CARE_REVIEW_NOTICE_DAYS", "30"))
# Yearly cap per worker and kind of assistance, yuan (city-wide). JSON in the environment overrides.
CARE_ASSISTANCE_YEARLY_CAPS = json.loads(os.environ.get("ZHIJIA_CARE_ASSISTANCE_YEARLY_CAPS", "null") or "null") or {
    "living": "12000", "medical": "30000", "education": "10000", "emergency": "5000"}
# Benefits: "auto" uses the Redis gate when REDIS_URL is set, "db" forces database locking.
BENEFITS_GATE = os.environ.get("ZHIJIA_BENEFITS_GATE", "auto")
# With the gate on PostgreSQL, places in line are kept in Redis and written this many at a time (or when the oldest
# is this old); 0 writes each place as it is given.
BENEFITS_WAITLIST_BATCH = int(os.environ.get("ZHIJIA_BENEFITS_WAITLIST_BATCH", "64"))
BENEFITS_WAITLIST_MAX_AGE_MS = int(os.environ.get("ZHIJIA_BENEFITS_WAITLIST_MAX_AGE_MS", "1000"))
# Claim attempts allowed per member and per client address: "count/seconds".
BENEFIT_RATE_MEMBER = os.environ.get("ZHIJIA_BENEFIT_RATE_MEMBER", "10/60")
BENEFIT_RATE_IP = os.environ.get("ZHIJIA_BENEFIT_RATE_IP", "1200/60")
API_TOKEN_TTL_HOURS = int(os.environ.get("ZHIJIA_API_TOKEN_TTL_HOURS", "12"))

# Wellbeing: a crisis flag must be acknowledged by a counsellor within this many minutes, else it escalates (and
# again after each further period); escalations are also texted to this duty phone when set.
WELLBEING_CRISIS_ACK_MINUTES = int(os.environ.get("ZHIJIA_WELLBEING_CRISIS_ACK_MINUTES", "30"))
WELLBEING_ESCALATION_PHONE = os.environ.get("ZHIJIA_WELLBEING_ESCALATION_PHONE", "")
WELLBEING_REMINDER_HOURS = int(os.environ.get("ZHIJIA_WELLBEING_REMINDER_HOURS", "24"))
# Assessments, session notes and quick consultations are deleted after this many days.
WELLBEING_RETENTION_DAYS = int(os.environ.get("ZHIJIA_WELLBEING_RETENTION_DAYS", "730"))
WELLBEING_HOTLINES = os.environ.get(
    "ZHIJIA_WELLBEING_HOTLINES",
    "12356 全国心理援助热线;010-82951332 北京心理危机研究与干预中心（24小时）;12351 职工服务热线;120 急救",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Members: roster uploads up to this size; e-card signing keys ("kid:base64 seed,...", first signs, all verify;
# empty: a key generated once under VAR_DIR); how long an e-card token is valid.
MEMBERS_IMPORT_MAX_BYTES = int(os.environ.get("ZHIJIA_MEMBERS_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
CARD_KEYS = os.environ.get("ZHIJIA_CARD_KEYS", "")
CARD_VALID_DAYS = int(os.environ.get("ZHIJIA_CARD_VALID_DAYS", "365"))
CARD_REISSUE_DAILY_LIMIT = int(os.environ.get("ZHIJIA_CARD_REISSUE_DAILY_LIMIT", "3"))
# Stations: the most nearest-search results in one answer; walking reach for coverage (metres); the H3 resolution of
# the coverage grid; the 七有 pass score (of 10 per item); working days to fix a failed inspection; the key of the
# check-in QR signatures (empty: derived from SECRET_KEY).
STATIONS_NEAREST_MAX_LIMIT = int(os.environ.get("ZHIJIA_STATIONS_NEAREST_MAX_LIMIT", "50"))
STATIONS_WALKING_REACH_M = float(os.environ.get("ZHIJIA_STATIONS_WALKING_REACH_M", "1000"))
STATIONS_COVERAGE_RES = int(os.environ.get("ZHIJIA_STATIONS_COVERAGE_RES", "8"))
STATIONS_INSPECTION_PASS_SCORE = int(os.environ.get("ZHIJIA_STATIONS_INSPECTION_PASS_SCORE", "6"))
STATIONS_FOLLOWUP_WORKDAYS = int(os.environ.get("ZHIJIA_STATIONS_FOLLOWUP_WORKDAYS", "10"))
STATIONS_QR_KEY = os.environ.get("ZHIJIA_STATIONS_QR_KEY", "")
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

# --- Appeals (接诉即办) -------------------------------------------------------------------------------------------
# The city's 12345 system signs what it pushes with HMAC-SHA256 under this secret; empty disables the interface.
APPEALS_12345_SECRET = os.environ.get("ZHIJIA_12345_SECRET", "")
APPEALS_12345_MAX_SKEW_S = int(os.environ.get("ZHIJIA_12345_MAX_SKEW_S", "300"))
# Where status changes go back to 12345 (empty: logged, counted as delivered).
APPEALS_12345_CALLBACK_URL = os.environ.get("ZHIJIA_12345_CALLBACK_URL", "")
APPEALS_REMIND_BEFORE_HOURS = float(os.environ.get("ZHIJIA_APPEALS_REMIND_BEFORE_HOURS", "2"))
APPEALS_RATING_WINDOW_DAYS = int(os.environ.get("ZHIJIA_APPEALS_RATING_WINDOW_DAYS", "7"))
APPEALS_DUPLICATE_WINDOW_DAYS = int(os.environ.get("ZHIJIA_APPEALS_DUPLICATE_WINDOW_DAYS", "30"))
APPEALS_INTAKE_UNION_ID = os.environ.get("ZHIJIA_APPEALS_INTAKE_UNION_ID") or None
