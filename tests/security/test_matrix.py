"""Every classified route x every role x own and other object: the status the rule says, and a
database unchanged after every write that must be refused (changed after an allowed one, so
the refusal is the rule's and not a bad body's)."""

import json

import pytest
from django.test import Client

from .conftest import changed_tables, snapshot
from .routes import (
    API,
    FIXED_VALUES,
    OUTCOME,
    ROUTES,
    api_operations,
    api_route_of,
    expected_statuses,
    fill,
    site_routes,
)
from .world import ROLES

pytestmark = pytest.mark.django_db

# Cases that show a leak or a 500: (route or operation, label, role, obj) -> reason.
# Each becomes a strict xfail, so CI stays green while it leaks and turns red once fixed.
KNOWN_LEAKS: dict[tuple[str, str, str, str], str] = {}


def test_every_route_is_classified():
    routes = site_routes()
    operations = api_operations()
    api_routes = {api_route_of(op) for op in operations}
    unclassified = sorted(r for r in routes if r not in ROUTES and r not in api_routes)
    gone = sorted(r for r in ROUTES if r not in routes)
    unclassified_ops = sorted(operations - set(API))
    gone_ops = sorted(set(API) - operations)
    assert not unclassified, f"routes nobody classified in tests/security/routes.py: {unclassified}"
    assert not unclassified_ops, f"API operations nobody classified: {unclassified_ops}"
    assert not gone, f"classified routes that no longer exist: {gone}"
    assert not gone_ops, f"classified API operations that no longer exist: {gone_ops}"
    assert not [r for r in api_routes if r not in routes], "OpenAPI paths without a URL pattern"
    for probes in [*ROUTES.values(), *API.values()]:
        assert probes and all(p.rule in OUTCOME for p in probes)


def _cases():
    for route, probes in [*ROUTES.items(), *API.items()]:
        for probe in probes:
            for obj in probe.objects:
                for role in ROLES:
                    label = f"{probe.method} {route}" if route in ROUTES else route
                    if probe.label:
                        label += f" [{probe.label}]"
                    key = (route, probe.label, role, obj)
                    marks = []
                    if key in KNOWN_LEAKS:
                        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[key])]
                    yield pytest.param(
                        route, probe, role, obj, id=f"{label}-{role}-{obj}", marks=marks
                    )


def _request(world, route, probe, role, obj):
    api = route in API
    values = {**FIXED_VALUES, **world.ids(role, "own" if obj == "-" else obj)}
    url = fill(api_route_of(route), values) if api else probe.path or fill(route, values)
    client = world.clients[role]
    if probe.writes:
        # A write may sign out or change the session: a fresh client with the same cookies.
        fresh = Client()
        fresh.cookies = client.cookies.__class__(client.cookies)
        client = fresh
    body = probe.body(world, role, obj) if probe.body else {}
    query = probe.query(world, role, obj) if probe.query else None
    headers = {}
    if probe.bearer:
        client = Client()
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {world.plaintext[role]}"
    method = getattr(client, probe.method.lower())
    if probe.method == "GET":
        return method(url, query, headers=headers)
    if api or probe.as_json:
        return method(url, json.dumps(body), content_type="application/json", headers=headers)
    return method(url, body, headers=headers)


@pytest.mark.parametrize(("route", "probe", "role", "obj"), list(_cases()))
def test_matrix(world, route, probe, role, obj):
    outcome = OUTCOME[probe.rule](role, obj)
    expected = expected_statuses(probe, outcome, api=route in API)
    before = snapshot() if probe.writes else None
    response = _request(world, route, probe, role, obj)
    status = response.status_code
    assert status < 500, f"{status} server error"
    assert status in expected, (
        f"{role} on {obj}: expected {outcome} {expected}, got {status} "
        f"{response.get('Location', '')} {response.content[:300]!r}"
    )
    if outcome == "login" and status == 302:
        assert "/accounts/login/" in response["Location"]
    if probe.writes:
        changed = changed_tables(before, snapshot())
        if outcome == "ok":
            if probe.changes:
                assert changed, f"an allowed {probe.method} changed nothing: is its body valid?"
        else:
            assert not changed, f"a refused {probe.method} changed {changed}"
