import json

import pytest
from django.db import OperationalError
from django.test import override_settings

from tests.conftest import free_port


@pytest.mark.django_db
def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["channel_layer"] == "ok"


@pytest.mark.django_db
def test_unreachable_redis_is_reported_but_the_site_keeps_serving(client):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": dead, "socket_connect_timeout": 1}]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        response = client.get("/healthz")
        home = client.get("/")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["channel_layer"] == "down"
    assert body["database"] == "ok"
    assert home.status_code == 200


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"


def test_healthz_is_a_machine_route_without_language_prefix(client, db):
    assert client.get("/en/healthz", follow=True).status_code == 404
