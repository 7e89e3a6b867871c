"""The settings follow the environment: embedded by default, services when configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
layer = settings.CHANNEL_LAYERS["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "host": db.get("HOST"), "layer": layer["BACKEND"], "config": layer.get("CONFIG", {}),
    "allowed_hosts": settings.ALLOWED_HOSTS, "csrf": settings.CSRF_TRUSTED_ORIGINS,
    "email_backend": settings.EMAIL_BACKEND, "email_host": getattr(settings, "EMAIL_HOST", None),
    "media": settings.STORAGES["default"], "debug": settings.DEBUG,
    "language": settings.LANGUAGE_CODE, "i18n": settings.WAGTAIL_I18N_ENABLED,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}, default=str))
"""
CLEAN = {
    k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
}


def probe(module: str, **env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_with_immediate_transactions_and_in_memory_layer(tmp_path):
    got = probe("portal.settings.dev", PORTAL_DATA_DIR=str(tmp_path))
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(tmp_path / "db.sqlite3")
    assert got["options"]["transaction_mode"] == "IMMEDIATE"
    # Channels' in-memory layer with its expiry walk amortised (tests/portal/test_channel_layer.py)
    assert got["layer"] == "portal.site.channel_layers.AmortisedInMemoryChannelLayer"
    assert got["language"] == "zh-hans"
    assert got["i18n"] is True


def test_services_from_database_url_and_redis_url(tmp_path):
    got = probe(
        "portal.settings.dev",
        PORTAL_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://portal:secret@db.internal:5433/portal",
        REDIS_URL="redis://cache.internal:6380/2",
    )
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["host"] == "db.internal"
    assert got["layer"] == "channels_redis.core.RedisChannelLayer"
    host = got["config"]["hosts"][0]
    assert host["address"] == "redis://cache.internal:6380/2"
    # redis-py 8's async pool default (100) fails with many sockets: ours is sized above it.
    assert host["max_connections"] >= 1000
    assert got["config"]["capacity"] >= 1000
    # A week-end idle tab keeps its groups: expiry longer than a working week.
    assert got["config"]["group_expiry"] > 7 * 24 * 3600


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "portal.settings.production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("secret", ["short"])
def test_production_refuses_a_short_secret_key(secret):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "SECRET_KEY": secret},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0


def test_production_reads_hosts_email_and_media_storage_from_the_environment():
    got = probe(
        "portal.settings.production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="portal.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://portal.example.gov.cn",
        EMAIL_HOST="smtp.example.gov.cn",
        MEDIA_STORAGE_BACKEND="django.core.files.storage.FileSystemStorage",
        MEDIA_ROOT="/srv/portal/media",
    )
    assert got["debug"] is False
    assert got["allowed_hosts"] == ["portal.example.gov.cn"]
    assert got["csrf"] == ["https://portal.example.gov.cn"]
    assert got["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert got["email_host"] == "smtp.example.gov.cn"
    assert got["media"]["OPTIONS"]["location"] == "/srv/portal/media"
    assert got["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
