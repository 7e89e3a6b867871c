import pytest
from django.utils.dateparse import parse_datetime
from wagtail.models import APIToken

from portal.services import realtime_ticket_redeem

pytestmark = pytest.mark.django_db


def test_a_bearer_token_gets_a_thirty_second_one_time_ticket(client, make_user):
    user = make_user("helper", "helper")
    _token, plaintext = APIToken.create_token(user=user, name="script")
    response = client.post("/api/v1/realtime/ticket", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 201
    body = response.json()
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None
    assert realtime_ticket_redeem(ticket=body["ticket"]) == user
    assert realtime_ticket_redeem(ticket=body["ticket"]) is None


def test_no_ticket_without_a_valid_bearer_token(client, make_user):
    user = make_user("helper", "helper")
    assert client.post("/api/v1/realtime/ticket").status_code == 401
    assert (
        client.post("/api/v1/realtime/ticket", HTTP_AUTHORIZATION="Bearer wagtail_nonsense")
    ).status_code == 401
    token, plaintext = APIToken.create_token(user=user, name="script")
    token.revoke()
    assert (
        client.post("/api/v1/realtime/ticket", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    ).status_code == 401


def test_openapi_and_docs_are_served_without_prefix(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/en/api/v1/openapi.json").status_code == 404
