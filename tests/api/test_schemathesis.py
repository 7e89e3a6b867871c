"""The API does what its OpenAPI schema says, for staff, a helper and an enterprise user:
schemathesis generates requests from /api/v1/openapi.json (valid and invalid ones) and checks
that none is a server error, that every status and content type is documented and that every
body matches its schema. Bounded and derandomized, so it takes a minute or two and a failure
can be repeated."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from wagtail.models import APIToken

from portal.services import api_token_create

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

CONFIG = {
    "seed": 20260501,
    "generation": {
        "mode": "all",  # valid requests and invalid ones
        "max-examples": 25,
        "deterministic": True,
        "database": "none",
        # The caller's own bearer token is sent with every request, never a made-up one.
        "with-security-parameters": False,
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
}


class Bearer:
    """The caller's token; a new one when a generated DELETE /tokens/{id} revoked it."""

    def __init__(self, user):
        self.user = user
        self.token, self.plaintext = api_token_create(actor=user, name="schemathesis")

    def headers(self) -> dict[str, str]:
        if not APIToken.objects.filter(pk=self.token.pk, revoked_at__isnull=True).exists():
            self.token, self.plaintext = api_token_create(actor=self.user, name="schemathesis")
        return {"Authorization": f"Bearer {self.plaintext}"}


@pytest.fixture(params=["staff", "helper", "enterprise"])
def bearer(request, world):
    return Bearer(getattr(world, request.param))


@pytest.fixture(autouse=True)
def one_connection_for_the_test():
    """The WSGI handler closes the database connection after each request, as it should in a
    server; here the requests share the test's transaction, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Read from the app itself, through WSGI, as a client would; each operation is one test per role.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.parametrize()
# One caller and one database per operation and role, shared by its examples on purpose: what
# one request changes (a meeting scheduled, a token revoked) the next one meets.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_api_does_what_its_schema_says(case, bearer):
    case.call_and_validate(headers=bearer.headers(), checks=CHECKS)
