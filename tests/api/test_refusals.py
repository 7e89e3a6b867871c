"""Refusals the schemathesis run found answered as HTML or as a server error: each now answers
in JSON with a status the schema declares."""

import json

import pytest

from portal.services import api_token_create
from projects.services import approval_transition

pytestmark = pytest.mark.django_db


def test_every_operation_declares_its_refusals(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert "401" in declared, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= declared, (method, path)


def test_a_wrong_token_is_a_problem_in_json(client):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_multipart_without_boundary_is_a_400_in_json(client):
    """The sign-in throttle reads the form; Django cannot, and answered with an HTML page."""
    body = json.dumps({"username": "nobody", "password": "x"})
    response = client.post("/api/v1/tokens", body, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_ids_past_64_bits_are_invalid_input_not_a_crash(client, world):
    _, token = api_token_create(actor=world.staff, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    huge = 2**64
    assert client.get(f"/api/v1/projects?town={huge}", **auth).status_code == 422
    assert client.get(f"/api/v1/projects/{huge}", **auth).status_code == 422
    meeting = {
        "title": "Site visit",
        "kind": "site_service",
        "start": "2026-03-02T10:00:00",
        "end": "2026-03-02T11:00:00",
        "project_ids": [huge],
    }
    response = client.post(
        "/api/v1/meetings", json.dumps(meeting), content_type="application/json", **auth
    )
    assert response.status_code == 422


@pytest.mark.parametrize("action", ["withdraw", "reject"])
def test_a_transition_that_needs_a_reason_without_one_says_so(client, world, action):
    """Without `reason` the service was called without the argument: a 500."""
    approval = world.approval(world.other, "LAND")
    approval_transition(actor=world.officer, approval_id=approval.pk, action="receive")
    _, token = api_token_create(
        actor=world.officer if action == "reject" else world.staff, name="t"
    )
    response = client.post(
        f"/api/v1/approvals/{approval.pk}/transitions",
        json.dumps({"action": action}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "reason"


def test_nul_characters_are_refused_before_any_query(client, world):
    """PostgreSQL refuses NUL in text with an error: that was a 500 for any such input."""
    _, token = api_token_create(actor=world.staff, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get("/api/v1/projects?q=glass%00", **auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]
    body = {"username": "zhang\x00", "password": "x"}
    response = client.post("/api/v1/tokens", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
