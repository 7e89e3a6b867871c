"""Settings for pytest. The database follows DATABASE_URL like every other mode."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["*"]
if not DATABASE_URL:
    # A file, not memory: daphne subprocesses and live servers must see the same data.
    # One file per test run, so that two runs side by side never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    }
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
LOGGING["root"]["level"] = "WARNING"
(BASE_DIR / "var").mkdir(exist_ok=True)
# Tests clear the cache between cases: never flush the Redis the live tests share.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
