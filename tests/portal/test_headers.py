"""The Content-Security-Policy and the other security headers, on every kind of response."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import APIToken

from cms.demo import seed_home_pages
from projects.services import material_upload
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def home():
    return seed_home_pages()


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def assert_portal_policy(response):
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["report-uri"] == "/csp-report/"
    assert "unsafe" not in response["Content-Security-Policy"]


def assert_other_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_public_pages_have_the_policy_and_may_be_cached(client):
    response = client.get("/")
    assert response.status_code == 200
    assert_portal_policy(response)
    assert_other_headers(response)
    assert directives(response)["frame-ancestors"] == "'none'"
    assert "no-store" not in response.get("Cache-Control", "")


def test_signed_in_pages_are_never_stored(client):
    client.force_login(f.user("staff", "staff"))
    for path in ("/", "/en/", "/projects/", "/meetings/", "/accounts/"):
        response = client.get(path)
        assert response.status_code == 200, path
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, path
        assert_portal_policy(response)
        assert_other_headers(response)


def test_the_wagtail_admin_has_the_policy_and_is_never_stored(client):
    client.force_login(f.user("keeper", "staff", is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_portal_policy(response)
    assert_other_headers(response)
    assert "no-store" in response["Cache-Control"]
    # The dashboard does not ask releases.wagtail.org from the browser (connect-src 'self').
    assert b"releases.wagtail.org" not in response.content


def test_a_chooser_and_a_date_input_render_without_inline_script(client):
    """Wagtail's inline scripts are replaced by data that portal/static/portal/admin-csp.js uses."""
    dept = f.department("规划局")
    item = f.item(dept, "LAND")
    client.force_login(f.user("keeper", "staff", is_staff=True, is_superuser=True))
    form = client.get(f"/admin/snippets/projects/approvalitem/edit/{item.pk}/").content.decode()
    assert 'data-controller="portal-chooser"' in form  # the department chooser
    calendar = client.get("/admin/snippets/projects/workingday/add/").content.decode()
    assert 'data-controller="portal-datetime-chooser"' in calendar
    for html in (form, calendar):
        assert "<script>" not in html
        assert "portal/admin-csp.js" in html


def test_wagtail_preview_may_be_framed_by_the_admin_only(client):
    """frame-ancestors follows X-Frame-Options: the preview panel frames the same site."""
    from tests.cms import builders as b

    policy = b.policy(b.policy_index(seed_home_pages()), "政策")
    client.force_login(f.user("keeper", "staff", is_staff=True, is_superuser=True))
    response = client.get(f"/admin/pages/{policy.pk}/edit/preview/?mode=")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert directives(response)["frame-ancestors"] == "'self'"


def test_a_preview_rendered_through_the_middleware_may_still_be_framed(rf):
    """Wagtail renders a preview through the whole stack, then marks it SAMEORIGIN."""
    from django.http import HttpResponse

    from portal.site.middleware import SecurityHeadersMiddleware

    def preview_view(request):
        inner = HttpResponse("preview")
        inner["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
        inner["X-Frame-Options"] = "SAMEORIGIN"
        return inner

    response = SecurityHeadersMiddleware(preview_view)(rf.get("/admin/pages/1/edit/preview/"))
    assert response["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'self'"


def test_api_responses_have_the_headers_and_a_token_call_is_never_stored(client):
    user = f.user("helper", "helper")
    _token, plaintext = APIToken.create_token(user=user, name="script")
    response = client.get("/api/v1/projects", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200
    assert_portal_policy(response)
    assert_other_headers(response)
    assert "no-store" in response["Cache-Control"]
    anonymous = client.get("/api/v1/openapi.json")
    assert_portal_policy(anonymous)
    assert "no-store" not in anonymous.get("Cache-Control", "")


def test_the_file_download_keeps_its_own_stricter_policy(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = f.user("staff", "staff")
    ent_user = f.user("enterprise", "enterprise")
    dept = f.department("规划局")
    land = f.item(dept, "LAND")
    project = f.project(staff, f.enterprise([ent_user]), [land], code="GLASS")
    material = project.approvals.get(item=land).materials.get(key=True)
    version = material_upload(
        actor=ent_user,
        material_id=material.pk,
        upload=SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf"),
    )
    client.force_login(ent_user)
    response = client.get(f"/files/{version.stored_id}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


REPORT = {
    "csp-report": {
        "document-uri": "https://p.example.org/projects/1/",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
    }
}


def test_the_report_endpoint_logs_a_violation(client, caplog):
    response = client.post(
        "/csp-report/", json.dumps(REPORT), content_type="application/csp-report"
    )
    assert response.status_code == 204
    assert "script-src-elem blocked inline on https://p.example.org/projects/1/" in caplog.text


def test_the_report_endpoint_refuses_a_huge_body_and_anything_but_a_report(client, caplog):
    huge = json.dumps({"csp-report": {"blocked-uri": "x" * 100_000}})
    assert (
        client.post("/csp-report/", huge, content_type="application/csp-report").status_code == 413
    )
    assert (
        client.post("/csp-report/", "not json", content_type="application/json").status_code == 400
    )
    assert client.get("/csp-report/").status_code == 405
    assert "CSP violation" not in caplog.text
