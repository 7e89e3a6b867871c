"""The catalogue import in the back office: upload, a dry-run report by row number, apply in the
worker with progress; the same code and result as `manage.py import_catalogue`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from wagtail.users.models import UserProfile

from projects import catalogue_import
from projects.models import ApprovalItem, CatalogueImport
from tests.projects import factories
from tests.projects.test_import_catalogue import HEADER, item_row, run, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

INDEX = "/admin/catalogue/import/"
S = CatalogueImport.Status


def detail(record) -> str:
    return f"{INDEX}{record.pk}/"


@pytest.fixture
def planning():
    return factories.department("区规划分局", short_name="规划", name_en="Planning Bureau")


def in_english(user):
    """The back office speaks each person's chosen language; these tests read English."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def staff(client, make_user):
    user = in_english(make_user("boss", "staff", name="李静"))
    client.force_login(user)
    return user


def refused(response) -> bool:
    """403, or Wagtail's answer to it: back to the dashboard, or to the login for non-staff."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and (
        "/login/" in response["Location"] or response["Location"] == "/admin/"
    )


def upload_file(client, path: Path, *, name: str | None = None, follow: bool = True):
    content = path.read_bytes()
    upload = SimpleUploadedFile(name or path.name, content, content_type="application/octet-stream")
    return client.post(INDEX, {"file": upload}, follow=follow)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def report_rows(response) -> dict[int, tuple[str, str, str]]:
    """Row number -> (code, outcome shown, reasons) as the page shows them."""
    rows = {}
    for tr in page(response).select("table.catalogue-import-rows tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.select("td")]
        rows[int(cells[0])] = (cells[1], cells[2], cells[3])
    return rows


def messages_of(response) -> str:
    return " ".join(m.get_text(" ", strip=True) for m in page(response).select(".messages li"))


def field_errors(response) -> str:
    return " ".join(e.get_text(" ", strip=True) for e in page(response).select(".error-message"))


def items_state() -> list:
    """The catalogue as a user sees it (no database ids)."""
    return [
        (
            item.code,
            item.name,
            item.name_en,
            item.department.name,
            item.statutory_limit_days,
            item.promised_limit_days,
            item.fully_online,
            list(item.materials.order_by("position").values_list("name", "name_en", "key")),
            sorted(item.prerequisites.values_list("code", flat=True)),
        )
        for item in ApprovalItem.objects.select_related("department").order_by("code")
    ]


def apply(client, record, *, sha256: str | None = None, execute: bool = True, capture=None):
    data = {"sha256": record.sha256 if sha256 is None else sha256}
    if capture is None:
        return client.post(f"{detail(record)}apply/", data, follow=True)
    with capture(execute=execute):
        return client.post(f"{detail(record)}apply/", data, follow=True)


# --- who may -----------------------------------------------------------------------------------


def test_the_catalogue_menu_offers_the_import_to_staff_only(client, staff, make_user):
    home = client.get("/admin/")
    assert "Import from a spreadsheet" in home.content.decode()
    assert INDEX in home.content.decode()

    client.force_login(make_user("writer", "editor"))
    assert INDEX not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("role", ["editor", "helper", "officer", "enterprise", None])
def test_others_are_refused_every_page_of_the_import(
    client, staff, planning, make_user, tmp_path, role
):
    path = write_csv(tmp_path / "catalogue.csv", [item_row("A-1")])
    record = CatalogueImport.objects.get(pk=upload_file(client, path).context["record"].pk)

    client.force_login(in_english(make_user("other", role)))
    for url in (INDEX, detail(record), f"{detail(record)}status/", f"{INDEX}template.xlsx"):
        response = client.get(url)
        assert refused(response), url
    upload = SimpleUploadedFile("x.csv", path.read_bytes())
    assert refused(client.post(INDEX, {"file": upload}))
    for action in ("apply", "check"):
        assert refused(client.post(f"{detail(record)}{action}/", {"sha256": record.sha256}))
    # Guessing another id is refused the same way, before any lookup.
    assert refused(client.get(f"{INDEX}{record.pk + 1000}/"))
    record.refresh_from_db()
    assert record.status == S.CHECKED
    assert CatalogueImport.objects.count() == 1
    assert not ApprovalItem.objects.exists()


def test_bureau_staff_without_the_catalogue_permissions_are_refused(client, make_user):
    # In the staff group, with admin access, but not allowed to edit approval items.
    person = make_user("clerk")
    person.groups.add(Group.objects.get_or_create(name="Bureau staff")[0])
    person.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_approvalitem"),
    )
    client.force_login(person)
    assert refused(client.get(INDEX))
    assert INDEX not in client.get("/admin/").content.decode()

    person.user_permissions.add(
        Permission.objects.get(codename="add_approvalitem"),
        Permission.objects.get(codename="change_approvalitem"),
    )
    person = type(person).objects.get(pk=person.pk)  # forget the cached permissions
    client.force_login(person)
    assert client.get(INDEX).status_code == 200


# --- checking: the dry-run report ---------------------------------------------------------------


def test_a_bad_file_is_reported_row_by_row_and_nothing_is_written(
    client, staff, planning, tmp_path
):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row("OK-1"),  # row 2
            item_row("BAD-DEPT", department="月球局"),  # row 3
            item_row("LOOP-A", prerequisites="LOOP-B"),  # row 4
            item_row("LOOP-B", prerequisites="LOOP-A"),  # row 5
            item_row("NO-NAME", name=""),  # row 6
        ],
    )

    response = upload_file(client, path)

    assert response.status_code == 200
    record = response.context["record"]
    assert response.redirect_chain == [(detail(record), 302)]
    rows = report_rows(response)
    assert sorted(rows) == [2, 3, 4, 5, 6]
    assert rows[2][:2] == ("OK-1", "new item")
    assert rows[3][1] == "refused"
    assert "No department is called “月球局”" in rows[3][2]
    assert rows[4][1] == rows[5][1] == "refused"
    assert "go round in a loop: LOOP-A → LOOP-B → LOOP-A" in rows[4][2]
    assert "its row 4 in this file was rejected" in rows[5][2]
    assert rows[6][1] == "refused"
    assert "“name” is empty" in rows[6][2]
    totals = page(response).select_one("[data-totals]").get_text(" ", strip=True)
    assert "Would create 1 items, update 0 , leave 0 unchanged and refuse 4 rows" in totals
    assert "Nothing has been written yet" in totals
    # A dry run: the catalogue is as it was; the file and its report are kept.
    assert not ApprovalItem.objects.exists()
    assert record.status == S.CHECKED
    assert record.uploaded_by == staff
    assert record.original_name == "catalogue.xlsx"

    refused = client.get(f"{detail(record)}?show=rejected")
    assert sorted(report_rows(refused)) == [3, 4, 5, 6]


def test_a_file_without_a_required_column_is_refused_with_the_column_named(
    client, staff, planning, tmp_path
):
    header = [key for key in HEADER if key != "department"]
    path = write_csv(tmp_path / "catalogue.csv", [item_row("A-1")], header=header)

    response = upload_file(client, path)

    assert response.status_code == 400
    assert "Required columns are missing: department" in field_errors(response)
    assert not CatalogueImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("catalogue.xls", b"\xd0\xcf\x11\xe0 an old workbook", "Files of type .xls cannot be"),
        ("catalogue.pdf", b"%PDF-1.4", "Files of type .pdf cannot be imported"),
        ("catalogue", b"code,name", "Files of type (no extension) cannot be imported"),
        ("catalogue.xlsx", b"code,name\nA,B\n", "is not an Excel workbook, whatever its name"),
        ("catalogue.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "is not text, whatever its name"),
        ("catalogue.csv", "code,name\n甲,乙\n".encode("gbk"), "is not UTF-8 text"),
        ("catalogue.csv", b"", "is empty"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_with_a_message(
    client, staff, tmp_path, name, content, message
):
    upload = SimpleUploadedFile(name, content)

    response = client.post(INDEX, {"file": upload})

    assert response.status_code == 400
    assert message in field_errors(response)
    assert not CatalogueImport.objects.exists()


def test_a_file_too_big_is_refused_before_it_is_read(client, staff, tmp_path):
    big = b"code,name\n" + b"A" * catalogue_import.UPLOAD_MAX_BYTES
    response = client.post(INDEX, {"file": SimpleUploadedFile("big.csv", big)})

    assert response.status_code == 400
    assert "a catalogue file may be at most 2.0\xa0MB" in field_errors(response)
    assert not CatalogueImport.objects.exists()


def test_no_file_chosen(client, staff):
    response = client.post(INDEX, {})
    assert response.status_code == 400
    assert "Choose a file to import." in field_errors(response)


def test_the_template_can_be_downloaded(client, staff, planning):
    response = client.get(f"{INDEX}template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["catalogue"][1]] == HEADER


# --- applying -----------------------------------------------------------------------------------


def catalogue_rows() -> list[dict]:
    return [
        item_row("NEW-1", materials="申请表|Application form; 委托书*|Power of attorney"),
        item_row("NEW-2", prerequisites="NEW-1;OLD-1", fully_online="是"),
        item_row("OLD-1", name="改过的名称", promised_limit_days=5),
        item_row("BAD-1", department="月球局"),
    ]


@pytest.fixture
def stored_item(planning):
    return factories.item(planning, "OLD-1", promised=10, statutory=20)


def test_apply_writes_what_the_command_writes(
    client,
    staff,
    planning,
    stored_item,
    tmp_path,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    path = write_xlsx(tmp_path / "catalogue.xlsx", catalogue_rows())
    # What the command makes of the same file, on the same catalogue (then rolled back).
    with transaction.atomic():
        output = run(path)
        by_command = items_state()
        transaction.set_rollback(True)
    assert "Created 2, updated 1, unchanged 0, rejected 1." in output
    assert items_state() != by_command

    record = upload_file(client, path).context["record"]
    response = apply(client, record, capture=django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert record.status == S.APPLIED
    assert record.applied_by == staff
    assert (record.rows_done, record.rows_total) == (3, 3)
    assert items_state() == by_command
    # The page now says what happened, row by row.
    page_after = client.get(detail(record))
    totals = page(page_after).select_one("[data-totals]").get_text(" ", strip=True)
    assert "Created 2 items, updated 1 , left 0 unchanged; 1 rows were refused." in totals
    rows = report_rows(page_after)
    assert [rows[n][1] for n in (2, 3, 4, 5)] == ["created", "created", "updated", "refused"]
    new_item = ApprovalItem.objects.get(code="NEW-1")
    link = page(page_after).select_one("table.catalogue-import-rows tr[data-row='2'] a")
    assert link["href"] == f"/admin/snippets/projects/approvalitem/edit/{new_item.pk}/"
    assert response.status_code == 200


def test_applying_again_is_refused(
    client, staff, planning, tmp_path, immediate_tasks, django_capture_on_commit_callbacks
):
    record = upload_file(client, write_csv(tmp_path / "c.csv", [item_row("A-1")])).context["record"]
    apply(client, record, capture=django_capture_on_commit_callbacks)

    response = apply(client, record, capture=django_capture_on_commit_callbacks)

    assert "This import is applied; it cannot be applied again." in messages_of(response)
    # The same file uploaded again says it was applied before.
    again = upload_file(client, write_csv(tmp_path / "c.csv", [item_row("A-1")]))
    assert "The same file (same SHA-256) was already applied" in again.content.decode()
    assert report_rows(again)[2][1] == "no change"


def test_a_file_changed_between_check_and_apply_is_refused(
    client, staff, planning, tmp_path, django_capture_on_commit_callbacks
):
    record = upload_file(client, write_csv(tmp_path / "c.csv", [item_row("A-1")])).context["record"]
    stored = Path(record.file.path)
    stored.write_bytes(stored.read_bytes().replace(b"A-1", b"A-2"))

    response = apply(client, record, capture=django_capture_on_commit_callbacks)

    assert "its SHA-256 differs" in messages_of(response)
    record.refresh_from_db()
    assert record.status == S.CHECKED
    assert not ApprovalItem.objects.exists()


def test_an_apply_for_another_report_is_refused(
    client, staff, planning, tmp_path, django_capture_on_commit_callbacks
):
    record = upload_file(client, write_csv(tmp_path / "c.csv", [item_row("A-1")])).context["record"]

    response = apply(client, record, sha256="0" * 64, capture=django_capture_on_commit_callbacks)

    assert "not the latest check of this file" in messages_of(response)
    assert CatalogueImport.objects.get().status == S.CHECKED


def test_a_file_with_nothing_to_write_offers_no_apply(client, staff, planning, tmp_path):
    path = write_csv(tmp_path / "c.csv", [item_row("BAD", department="月球局")])
    response = upload_file(client, path)

    assert not page(response).select("form.catalogue-import-apply")
    assert "there is nothing to apply" in response.content.decode()
    record = response.context["record"]
    refused = apply(client, record)
    assert "nothing to create or update" in messages_of(refused)


def test_when_the_catalogue_changed_since_the_check_nothing_is_written(
    client, staff, planning, tmp_path, immediate_tasks, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "c.csv", [item_row("A-1"), item_row("A-2")])
    record = upload_file(client, path).context["record"]
    # Meanwhile someone adds A-2 by hand: row 3 would now update, not create.
    factories.item(planning, "A-2")

    apply(client, record, capture=django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert record.status == S.OUTDATED
    assert not ApprovalItem.objects.filter(code="A-1").exists()  # all or nothing
    response = client.get(detail(record))
    differences = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in page(response).select("table.catalogue-import-differences tbody tr")
    ]
    assert differences == [["3", "A-2", "new item", "changes an item", ""]]

    # Checked again, the new report can be applied.
    rechecked = client.post(f"{detail(record)}check/", follow=True)
    assert "read the new report" in messages_of(rechecked)
    record.refresh_from_db()
    assert record.status == S.CHECKED
    assert report_rows(rechecked)[3][1] == "changes an item"
    apply(client, record, capture=django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == S.APPLIED
    assert ApprovalItem.objects.filter(code="A-1").exists()


def test_an_error_while_writing_leaves_nothing_half_written(
    client,
    staff,
    planning,
    tmp_path,
    immediate_tasks,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    path = write_csv(tmp_path / "c.csv", [item_row("A-1"), item_row("A-2"), item_row("A-3")])
    record = upload_file(client, path).context["record"]
    real_write = catalogue_import._write_item

    def write_then_fail(row, item):
        if row.code == "A-3":
            raise RuntimeError("disk full")
        return real_write(row, item)

    monkeypatch.setattr(catalogue_import, "_write_item", write_then_fail)

    apply(client, record, capture=django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert record.status == S.FAILED
    assert record.error == "An unexpected error stopped the import; nothing was written."
    assert not ApprovalItem.objects.exists()
    response = client.get(detail(record))
    assert "nothing was written" in response.content.decode()
    assert page(response).select_one(f"form[action='{detail(record)}check/']")


# --- progress -----------------------------------------------------------------------------------


def test_the_status_page_shows_progress_until_the_import_ends(
    client, staff, planning, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "c.csv", [item_row("A-1"), item_row("A-2")])
    record = upload_file(client, path).context["record"]
    # Queued, the worker not yet there (tasks are not run here).
    apply(client, record, capture=django_capture_on_commit_callbacks, execute=False)

    response = client.get(detail(record))
    box = page(response).select_one("[data-import-progress]")
    assert box["data-status-url"] == f"{detail(record)}status/"
    assert "Waiting for the worker to start" in box.get_text()
    assert page(response).select_one("script[src$='projects/catalogue-import.js']")
    assert client.get(f"{detail(record)}status/").json() == {
        "status": "queued",
        "label": "waiting to be applied",
        "rows_done": 0,
        "rows_total": 2,
        "finished": False,
        "text": "Waiting for the worker to start…",
    }

    CatalogueImport.objects.filter(pk=record.pk).update(status=S.RUNNING, rows_done=1)
    status = client.get(f"{detail(record)}status/").json()
    assert (status["rows_done"], status["rows_total"], status["finished"]) == (1, 2, False)
    assert status["text"] == "1 of 2 rows written…"

    assert catalogue_import.catalogue_import_run(record.pk) == S.APPLIED
    status = client.get(f"{detail(record)}status/").json()
    assert status["finished"] is True
    assert (status["rows_done"], status["label"]) == (2, "applied")
    assert catalogue_import.catalogue_import_run(record.pk) == S.APPLIED  # a second run: nothing


def test_progress_goes_through_every_row(planning, tmp_path, staff):
    path = write_csv(tmp_path / "c.csv", [item_row(f"A-{n}") for n in range(5)])
    progress = catalogue_import._Progress(0)
    seen = []
    progress._record = lambda done, total: seen.append((done, total))
    table = catalogue_import.read_table(path)

    with transaction.atomic():
        catalogue_import.catalogue_import_table(table=table, dry_run=True, progress=progress)

    assert seen[0] == (0, 5)
    assert seen[-1] == (5, 5)


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_outside_the_import_transaction_on_postgresql(postgres, make_user):
    # The rows are written in one transaction; the count goes through a connection of its own.
    record = CatalogueImport.objects.create(
        file="catalogue-imports/x.csv",
        original_name="x.csv",
        size=1,
        sha256="0" * 64,
        uploaded_at=make_user("boss", "staff").date_joined,
    )
    progress = catalogue_import._Progress(record.pk)
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with transaction.atomic():
            factories.department()  # the import's own writes stay unseen until it commits
            progress._record(5, 7)
            with reader.cursor() as cursor:
                cursor.execute(
                    "SELECT rows_done, rows_total FROM projects_catalogueimport WHERE id = %s",
                    [record.pk],
                )
                assert cursor.fetchone() == (5, 7)
    finally:
        progress.close()
        reader.close()


def test_the_import_page_lists_recent_imports_in_constant_queries(
    client, staff, planning, tmp_path, django_assert_max_num_queries
):
    def make(n):
        for i in range(n):
            CatalogueImport.objects.create(
                file=f"catalogue-imports/x{i}.csv",
                original_name=f"file-{i}.csv",
                size=10,
                sha256="0" * 64,
                uploaded_by=staff,
                applied_by=staff,
                uploaded_at=staff.date_joined,
            )

    make(2)
    with django_assert_max_num_queries(20) as few:
        client.get(INDEX)
    make(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(INDEX)
    assert len(page(response).select("table.catalogue-imports tbody tr")) == 17


def test_the_command_and_the_back_office_share_the_reader(tmp_path, planning):
    path = write_csv(tmp_path / "c.csv", [item_row("A-1")])
    by_path = catalogue_import.read_table(path)
    by_content = catalogue_import.read_table_content(path.read_bytes(), "c.csv")
    assert by_path == by_content
