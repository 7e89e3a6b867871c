"""The checklist made real: uploads as versions, pre-review drafts, reviews, file rules."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.models import Event
from projects.selectors import missing_materials
from projects.services import approval_transition, material_review, material_upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="申请表.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def material(world, code="LAND", key=True, project=None):
    return world.approval(project or world.own, code).materials.get(key=key)


def test_each_upload_is_a_new_version_and_before_submission_a_draft(world):
    form = material(world)
    first = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    second = material_upload(
        actor=world.helper, material_id=form.pk, upload=SimpleUploadedFile("scan.png", PNG)
    )
    assert (first.number, second.number) == (1, 2)
    assert first.draft and second.draft  # the application is still pending: pre-review
    assert second.stored.content_type == "image/png"
    assert first.stored.original_name == "申请表.pdf"
    event = Event.objects.filter(stream=f"project:{world.own.pk}").last()
    assert event.event == "material.uploaded" and event.data["draft"] is True
    land = form.approval
    approval_transition(actor=world.officer, approval_id=land.pk, action="receive")
    third = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    assert third.number == 3 and not third.draft


@pytest.mark.parametrize("who", ["officer", "housing_officer"])
def test_officers_do_not_upload_for_the_enterprise(world, who):
    with pytest.raises(PermissionRefused):
        material_upload(actor=getattr(world, who), material_id=material(world).pk, upload=pdf())


@pytest.mark.parametrize("who", ["enterprise2", "helper2", "water_officer"])
def test_strangers_cannot_upload_or_even_see_the_material(world, who):
    with pytest.raises(NotVisible):
        material_upload(actor=getattr(world, who), material_id=material(world).pk, upload=pdf())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("form.pdf", b"just some text, not a PDF", "is not a real PDF file"),
        ("form.png", PDF, "is not a real PNG file"),
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, "Files of type .exe are not accepted"),
        ("noext", PDF, "Files of type .? are not accepted"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_uploads_are_checked_by_content_and_refused_with_a_clear_message(
    world, name, content, message
):
    with pytest.raises(InvalidInput) as refused:
        material_upload(
            actor=world.enterprise,
            material_id=material(world).pk,
            upload=SimpleUploadedFile(name, content),
        )
    assert message in str(refused.value.message)
    assert not material(world).versions.exists()


def test_a_file_too_big_is_refused_and_nothing_is_kept(world, settings, tmp_path):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    big = pdf(content=PDF + b"0" * 2048)
    with pytest.raises(InvalidInput) as refused:
        material_upload(actor=world.enterprise, material_id=material(world).pk, upload=big)
    assert "files may be at most 1.0\xa0KB" in str(refused.value.message)
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_officer_marks_versions_and_a_correction_needs_a_note(world):
    form = material(world)
    version = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    with pytest.raises(PermissionRefused):
        material_review(actor=world.helper, version_id=version.pk, verdict="accepted")
    with pytest.raises(InvalidInput) as no_note:
        material_review(actor=world.officer, version_id=version.pk, verdict="needs_correction")
    assert no_note.value.field == "note"
    reviewed = material_review(
        actor=world.officer, version_id=version.pk, verdict="needs_correction", note="缺少法人签字"
    )
    assert (reviewed.review, reviewed.review_note, reviewed.reviewed_by) == (
        "needs_correction",
        "缺少法人签字",
        world.officer,
    )
    newer = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    with pytest.raises(TransitionRefused) as stale:
        material_review(actor=world.officer, version_id=version.pk, verdict="accepted")
    assert stale.value.code == "not_latest_version"
    assert (
        material_review(actor=world.officer, version_id=newer.pk, verdict="accepted").review
        == "accepted"
    )
    with pytest.raises(InvalidInput):
        material_review(actor=world.officer, version_id=newer.pk, verdict="maybe")


def test_a_material_accepted_as_missing_is_completed_by_an_accepted_upload(world):
    land = world.approval(world.own, "LAND")
    approval_transition(actor=world.officer, approval_id=land.pk, action="receive")
    approval_transition(
        actor=world.officer,
        approval_id=land.pk,
        action="accept",
        missing_materials=["补充说明"],
        materials_due=date(2049, 1, 1),
    )
    approval_transition(actor=world.officer, approval_id=land.pk, action="approve")
    land.refresh_from_db()
    assert [m["name"] for m in missing_materials(land)] == ["Supplementary note"]
    note = material(world, key=False)
    # Still allowed after the decision: first the certificate, then the material (先取证再补交).
    version = material_upload(actor=world.enterprise, material_id=note.pk, upload=pdf())
    material_review(actor=world.officer, version_id=version.pk, verdict="accepted")
    land.refresh_from_db()
    assert missing_materials(land) == []
    assert land.materials_due is None
    with pytest.raises(TransitionRefused) as closed:
        material_upload(actor=world.enterprise, material_id=material(world).pk, upload=pdf())
    assert closed.value.code == "approval_closed"


# --- the permission-checked file view ----------------------------------------------------------


def test_files_are_served_only_to_those_who_may_see_them(client, world):
    version = material_upload(actor=world.enterprise, material_id=material(world).pk, upload=pdf())
    url = f"/files/{version.stored_id}/"
    for who in ("enterprise", "helper", "officer", "housing_officer", "staff"):
        client.force_login(getattr(world, who))
        response = client.get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
    for who in ("enterprise2", "helper2", "water_officer"):
        client.force_login(getattr(world, who))
        assert client.get(url).status_code == 404, who
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(world.staff)
    assert client.get("/files/999999/").status_code == 404


def test_an_internal_attachment_is_hidden_from_the_enterprise(client, world):
    from projects.services import comment_add

    comment = comment_add(
        actor=world.helper,
        project_id=world.own.pk,
        body="内部附件",
        internal=True,
        attachment=pdf("memo.pdf"),
    )
    url = f"/files/{comment.attachment_id}/"
    client.force_login(world.officer)
    assert client.get(url).status_code == 200
    client.force_login(world.enterprise)
    assert client.get(url).status_code == 404


def test_uploading_through_the_page(client, world):
    form = material(world)
    client.force_login(world.enterprise)
    url = f"/en/projects/{world.own.pk}/materials/{form.pk}/upload/"
    ok = client.post(url, {"file": pdf()}, follow=True)
    assert "uploaded as version 1" in ok.content.decode()
    refused = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"hello")}, follow=True)
    assert "is not a real PDF file" in refused.content.decode()
    assert form.versions.count() == 1
    client.force_login(world.enterprise2)
    assert client.post(url, {"file": pdf()}).status_code == 404


def test_a_long_file_name_is_kept_shortened_with_its_extension(world):
    form = material(world)
    long_name = "关于" + "汽车玻璃项目用地预审的申请" * 30 + ".pdf"
    version = material_upload(actor=world.helper, material_id=form.pk, upload=pdf(long_name))
    stored = version.stored
    assert len(stored.original_name) == 200
    assert stored.original_name.startswith("关于汽车玻璃") and stored.original_name.endswith(".pdf")
