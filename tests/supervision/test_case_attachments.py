"""Attachments on a case's thread: the portal's upload rules, with a message that says why."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import InvalidInput
from supervision.models import CaseAttachment, CaseReply
from supervision.services import case_open, case_reply

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def complaint(case_world):
    case, _ = case_open(
        actor=case_world.enterprise, kind="complaint", title="t", project=case_world.own
    )
    return case


def test_a_pdf_is_stored_with_the_reply(case_world, complaint):
    reply = case_reply(
        actor=case_world.enterprise,
        case=complaint,
        body="见附件",
        files=[SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf")],
    )
    (attachment,) = reply.attachments.all()
    assert attachment.original_name == "说明.pdf"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert attachment.file.read() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("note.txt", b"hello", "Files of type .txt are not accepted"),
        ("fake.pdf", b"just text, not a PDF", "is not a real PDF file"),
    ],
)
def test_a_wrong_type_is_refused_and_nothing_is_written(
    case_world, complaint, name, content, message
):
    with pytest.raises(InvalidInput, match=message) as refused:
        case_reply(
            actor=case_world.enterprise,
            case=complaint,
            body="x",
            files=[SimpleUploadedFile(name, content)],
        )
    assert refused.value.field == "files"
    assert not CaseReply.objects.exists() and not CaseAttachment.objects.exists()


def test_a_file_too_big_is_refused(case_world, complaint, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 20
    with pytest.raises(InvalidInput, match="files may be at most 20"):
        case_reply(
            actor=case_world.enterprise,
            case=complaint,
            body="x",
            files=[SimpleUploadedFile("big.pdf", PDF)],
        )
    assert not CaseReply.objects.exists()


def test_at_most_five_files(case_world, complaint):
    files = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)]
    with pytest.raises(InvalidInput, match="at most 5 files"):
        case_reply(actor=case_world.enterprise, case=complaint, body="x", files=files)
