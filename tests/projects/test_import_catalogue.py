"""manage.py import_catalogue: loading approval items from .xlsx and .csv files."""

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from projects.catalogue_import import (
    COLUMNS,
    CatalogueSnapshot,
    MaterialSpec,
    format_materials,
    parse_materials,
)
from projects.management.commands.import_catalogue import Command
from projects.models import ApprovalItem, Department, ItemMaterial
from tests.projects import factories

pytestmark = pytest.mark.django_db

HEADER = [column.key for column in COLUMNS]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def planning():
    return factories.department("区规划分局", short_name="规划", name_en="Planning Bureau")


@pytest.fixture
def logistics():
    return factories.industry(code="logistics")


def item_row(code: str, /, **values) -> dict:
    row = {
        "code": code,
        "name": f"事项{code}",
        "department": "规划",
        "statutory_limit_days": 20,
        "promised_limit_days": 10,
    }
    row.update(values)
    return row


def write_xlsx(path: Path, rows, header=HEADER) -> Path:
    """Rows are dicts keyed by header, or None for a blank spreadsheet row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for col, title in enumerate(header, start=1):
        sheet.cell(row=1, column=col, value=title)
    for number, row in enumerate(rows, start=2):
        for col, title in enumerate(header, start=1):
            if row is not None and row.get(title) not in (None, ""):
                sheet.cell(row=number, column=col, value=row[title])
    workbook.save(path)
    return path


def write_csv(path: Path, rows, header=HEADER, encoding="utf-8-sig") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(title, "") for title in header])
    path.write_text(buffer.getvalue(), encoding=encoding)
    return path


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(
        "import_catalogue", *[str(a) for a in args], stdout=out, stderr=io.StringIO(), **options
    )
    return out.getvalue()


def materials_of(code: str) -> list[tuple]:
    return list(
        ItemMaterial.objects.filter(item__code=code)
        .order_by("position")
        .values_list("name", "name_en", "key", "position")
    )


def catalogue_state() -> list:
    return [
        (
            item.code,
            item.name,
            item.name_en,
            item.department_id,
            item.legal_basis,
            item.statutory_limit_days,
            item.promised_limit_days,
            item.fee,
            item.fully_online,
            list(item.materials.order_by("position").values_list("id", "name", "name_en", "key")),
            sorted(item.prerequisites.values_list("code", flat=True)),
            sorted(item.industries.values_list("code", flat=True)),
        )
        for item in ApprovalItem.objects.order_by("code")
    ]


def test_xlsx_import_creates_items_with_their_lists_and_links(tmp_path, planning, logistics):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row(
                "A-1",
                name="建设工程规划许可证核发",
                name_en="Construction-project planning permit",
                legal_basis="《城乡规划法》第四十条",
                statutory_limit_days=20,
                promised_limit_days=8,
                fee="不收费",
                fully_online="yes",
                prerequisites="A-2",
                materials="申请表|Application form; 授权委托书*|Power of attorney\n"
                "营业执照(副本)(非关键)|Business licence copy",
                industries="logistics",
            ),
            item_row("A-2", department="区规划分局", fully_online="否"),
        ],
    )

    out = run(path)

    assert "Created 2, updated 0, unchanged 0, rejected 0." in out
    item = ApprovalItem.objects.get(code="A-1")
    assert (item.name, item.name_en, item.department, item.legal_basis) == (
        "建设工程规划许可证核发",
        "Construction-project planning permit",
        planning,
        "《城乡规划法》第四十条",
    )
    assert (item.statutory_limit_days, item.promised_limit_days, item.fee, item.fully_online) == (
        20,
        8,
        "不收费",
        True,
    )
    assert materials_of("A-1") == [
        ("申请表", "Application form", True, 0),
        ("授权委托书", "Power of attorney", False, 1),
        ("营业执照(副本)", "Business licence copy", False, 2),
    ]
    assert [p.code for p in item.prerequisites.all()] == ["A-2"]
    assert list(logistics.standard_items.all()) == [item]
    assert ApprovalItem.objects.get(code="A-2").fully_online is False


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_import_with_or_without_bom(tmp_path, planning, encoding):
    path = write_csv(
        tmp_path / "catalogue.csv",
        [
            item_row(
                "C-1",
                department="planning bureau",
                materials="申请表|Application form\n现场照片 (non-key)|Site photos",
            ),
            item_row("C-2", promised_limit_days=30),
        ],
        encoding=encoding,
    )

    out = run(path)

    assert materials_of("C-1") == [
        ("申请表", "Application form", True, 0),
        ("现场照片", "Site photos", False, 1),
    ]
    assert ApprovalItem.objects.get(code="C-1").department == planning
    # The multi-line cell above is one spreadsheet row: the next record is row 3.
    assert "Row 3 (C-2): The promised limit (30 working days) is longer than" in out
    assert "Created 1, updated 0, unchanged 0, rejected 1." in out


def test_chinese_header_aliases(tmp_path, planning, logistics):
    header = [
        "事项编码",
        "事项名称",
        "英文名称",
        "实施部门",
        "设定依据",
        "法定时限（工作日）",
        "承诺时限",
        "收费标准",
        "全程网办",
        "前置事项",
        "申请材料",
        "所属行业",
    ]
    path = write_xlsx(
        tmp_path / "目录.xlsx",
        [
            dict(
                zip(
                    header,
                    [
                        "Z-1",
                        "粮食仓储设施建设审批",
                        "Grain-depot approval",
                        "规划",
                        "《粮食流通管理条例》",
                        15,
                        5,
                        "不收费",
                        "是",
                        "",
                        "申请书；平面图*",
                        "logistics",
                    ],
                    strict=True,
                )
            )
        ],
        header=header,
    )

    out = run(path)

    assert "Created 1" in out
    item = ApprovalItem.objects.get(code="Z-1")
    assert (item.name, item.name_en, item.statutory_limit_days, item.promised_limit_days) == (
        "粮食仓储设施建设审批",
        "Grain-depot approval",
        15,
        5,
    )
    assert item.fully_online is True
    assert materials_of("Z-1") == [("申请书", "", True, 0), ("平面图", "", False, 1)]
    assert list(item.industries.all()) == [logistics]


def test_dry_run_writes_nothing_and_says_what_would_change(tmp_path, planning):
    existing = factories.item(planning, "B-1")
    before = catalogue_state()
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row("B-1", name="改过的名称", materials="新材料"),
            item_row("B-2", prerequisites="B-1"),
            item_row("B-3", statutory_limit_days="abc"),
        ],
    )

    out = run(path, dry_run=True)

    assert catalogue_state() == before
    assert ApprovalItem.objects.get(pk=existing.pk).name == existing.name
    assert "Would create (1): B-2" in out
    assert "Would update (1): B-1" in out
    assert "Row 4 (B-3)" in out
    assert (
        "Dry run, nothing was written: would create 1, update 1, leave 0 unchanged, reject 1."
        in out
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"statutory_limit_days": "abc"},
            "“statutory_limit_days” must be a whole number of working days from 1 to 32767, "
            "not “abc”.",
        ),
        ({"statutory_limit_days": 0}, "“statutory_limit_days” must be a whole number"),
        ({"promised_limit_days": -3}, "“promised_limit_days” must be a whole number"),
        ({"promised_limit_days": 2.5}, "“promised_limit_days” must be a whole number"),
        (
            {"statutory_limit_days": 20, "promised_limit_days": 30},
            "The promised limit (30 working days) is longer than the statutory limit (20)",
        ),
        ({"department": "水务局"}, "No department is called “水务局”"),
        (
            {"prerequisites": "NOPE-9"},
            "Prerequisite “NOPE-9” is neither in the catalogue nor in this file.",
        ),
        ({"prerequisites": "BAD-1"}, "An item cannot be its own prerequisite."),
        ({"name": ""}, "“name” is empty; every item needs it."),
        ({"department": ""}, "“department” is empty; every item needs it."),
        ({"promised_limit_days": ""}, "“promised_limit_days” is empty; every item needs it."),
        ({"industries": "mining"}, "No industry has the code “mining”."),
        ({"fully_online": "maybe"}, "“fully_online” must be yes or no (是/否), not “maybe”."),
        ({"materials": "申请表|Form|Formular"}, "Material “申请表|Form|Formular” has more than"),
        ({"materials": "申请表; 申请表*"}, "Material “申请表” is listed twice."),
        ({"materials": "|Form only"}, "Material “|Form only” has no Chinese name."),
        ({"name": "长" * 201}, "“name” is longer than 200 characters."),
        ({"code": "BAD;1"}, "The code may not contain"),
    ],
)
def test_rejected_rows_are_reported_with_row_number_and_reason(
    tmp_path, planning, logistics, values, reason
):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [item_row("OK-1"), None, item_row("BAD-1", **values)],
    )

    out = run(path)

    code = values.get("code", "BAD-1")
    assert f"Row 4 ({code}): " in out
    assert reason in out
    assert "Created 1, updated 0, unchanged 0, rejected 1." in out
    assert list(ApprovalItem.objects.values_list("code", flat=True)) == ["OK-1"]


def test_a_row_with_several_problems_gets_all_reasons(tmp_path, planning):
    path = write_csv(
        tmp_path / "catalogue.csv",
        [item_row("M-1", department="水务局", statutory_limit_days="", prerequisites="X-9")],
    )

    out = run(path)

    line = next(line for line in out.splitlines() if "Row 2 (M-1)" in line)
    assert "“statutory_limit_days” is empty" in line
    assert "No department is called “水务局”" in line
    assert "Prerequisite “X-9” is neither in the catalogue nor in this file." in line


def test_missing_code_is_reported_by_row(tmp_path, planning):
    path = write_csv(tmp_path / "catalogue.csv", [item_row("")])

    out = run(path)

    assert "Row 2: “code” is empty; every item needs it." in out


def test_duplicate_code_in_the_file_rejects_each_occurrence(tmp_path, planning):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [item_row("D-1", name="甲"), item_row("D-2"), item_row("D-1", name="乙")],
    )

    out = run(path)

    assert (
        "Row 2 (D-1): The code “D-1” appears in rows 2, 4; each code may appear only once." in out
    )
    assert "Row 4 (D-1): The code “D-1” appears in rows 2, 4" in out
    assert list(ApprovalItem.objects.values_list("code", flat=True)) == ["D-2"]


def test_ambiguous_department_is_rejected(tmp_path, planning):
    factories.department("区自然资源局", short_name="规划")
    path = write_csv(tmp_path / "catalogue.csv", [item_row("AM-1", department="规划")])

    out = run(path)

    assert "“规划” matches several departments (区规划分局、区自然资源局)" in out
    assert not ApprovalItem.objects.exists()


def test_a_row_the_database_refuses_is_left_out_whole(tmp_path, planning, monkeypatch):
    # Another user deletes a department between the checks and the writes.
    water = factories.department("区水务局", short_name="水务")
    read_snapshot = CatalogueSnapshot.from_database

    def snapshot_then_delete():
        snapshot = read_snapshot()
        Department.objects.filter(pk=water.pk).delete()
        return snapshot

    monkeypatch.setattr(CatalogueSnapshot, "from_database", snapshot_then_delete)
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row("W-2", prerequisites="W-1", materials="申请表"),
            item_row("W-1", department="水务"),
            item_row("W-3"),
        ],
    )

    out = run(path)

    assert "Row 3 (W-1): The row could not be saved:" in out
    assert "Row 2 (W-2): Prerequisite “W-1” is not in the catalogue, and its row 3" in out
    assert "Created 1, updated 0, unchanged 0, rejected 2." in out
    assert list(ApprovalItem.objects.values_list("code", flat=True)) == ["W-3"]
    assert not ItemMaterial.objects.exists()


def test_prerequisites_may_point_to_rows_further_down(tmp_path, planning):
    land = factories.item(planning, "LAND-1")
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row("P-1", prerequisites="P-3; P-2"),
            item_row("P-2", prerequisites="P-3，LAND-1"),
            item_row("P-3"),
        ],
    )

    out = run(path)

    assert "Created 3, updated 0, unchanged 0, rejected 0." in out

    def prerequisites(code):
        return sorted(
            ApprovalItem.objects.get(code=code).prerequisites.values_list("code", flat=True)
        )

    assert prerequisites("P-1") == ["P-2", "P-3"]
    assert prerequisites("P-2") == [land.code, "P-3"]
    assert prerequisites("P-3") == []


def test_a_row_that_needs_a_rejected_row_is_rejected_too(tmp_path, planning):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row("E-1", prerequisites="E-2"),
            item_row("E-2", statutory_limit_days=5, promised_limit_days=6),
            item_row("E-3"),
        ],
    )

    out = run(path)

    assert (
        "Row 2 (E-1): Prerequisite “E-2” is not in the catalogue, and its row 3 in this file "
        "was rejected." in out
    )
    assert "Row 3 (E-2): The promised limit (6 working days)" in out
    assert list(ApprovalItem.objects.values_list("code", flat=True)) == ["E-3"]


def test_prerequisites_that_go_round_in_a_loop_are_rejected(tmp_path, planning):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row("L-1", prerequisites="L-2"),
            item_row("L-2", prerequisites="L-1"),
            item_row("L-3", prerequisites="L-1"),
            item_row("L-4"),
        ],
    )

    out = run(path)

    assert "The prerequisites go round in a loop: L-1 → L-2 → L-1." in out
    assert "Row 4 (L-3): Prerequisite “L-1” is not in the catalogue" in out
    assert list(ApprovalItem.objects.values_list("code", flat=True)) == ["L-4"]


def test_a_row_closing_a_loop_with_the_stored_catalogue_is_rejected(tmp_path, planning):
    a = factories.item(planning, "S-1")
    b = factories.item(planning, "S-2", prerequisites=[a])  # S-2 needs S-1
    factories.item(planning, "S-3", prerequisites=[b])  # S-3 needs S-2
    path = write_xlsx(tmp_path / "catalogue.xlsx", [item_row("S-1", prerequisites="S-3")])

    out = run(path)

    assert "Row 2 (S-1): The prerequisites go round in a loop: S-1 → S-3 → S-2 → S-1." in out
    assert not a.prerequisites.exists()


def test_reimporting_the_same_file_leaves_the_same_data(tmp_path, planning, logistics):
    path = write_xlsx(
        tmp_path / "catalogue.xlsx",
        [
            item_row(
                "R-1", materials="申请表|Form; 照片*", prerequisites="R-2", industries="logistics"
            ),
            item_row("R-2", fee="按标准收费", fully_online="1"),
        ],
    )
    run(path)
    first = catalogue_state()

    out = run(path)

    assert catalogue_state() == first
    assert "Created 0, updated 0, unchanged 2, rejected 0." in out


def test_update_replaces_the_list_but_not_a_running_approvals_copy(tmp_path, planning):
    item = factories.item(planning, "G-1", promised=5, statutory=20)
    staff = factories.user(role="staff")
    project = factories.project(staff, factories.enterprise(), [item])
    approval = project.approvals.get(item=item)
    copied = list(approval.materials.values_list("name", "name_en", "key", "position"))
    path = write_csv(
        tmp_path / "catalogue.csv",
        [
            item_row(
                "G-1",
                statutory_limit_days=30,
                promised_limit_days=15,
                materials="新申请表|New form; 环评批复|EIA approval; 承诺书*",
            )
        ],
    )

    out = run(path)

    assert "Created 0, updated 1, unchanged 0, rejected 0." in out
    assert materials_of("G-1") == [
        ("新申请表", "New form", True, 0),
        ("环评批复", "EIA approval", True, 1),
        ("承诺书", "", False, 2),
    ]
    approval.refresh_from_db()
    assert list(approval.materials.values_list("name", "name_en", "key", "position")) == copied
    assert copied == [
        ("申请表", "Application form", True, 0),
        ("补充说明", "Supplementary note", False, 1),
    ]
    assert (approval.statutory_limit_days, approval.promised_limit_days) == (20, 5)


def test_columns_left_out_leave_existing_values_alone(tmp_path, planning, logistics):
    other = factories.item(planning, "H-0")
    item = factories.item(planning, "H-1", prerequisites=[other])
    item.fee = "200元"
    item.save()
    logistics.standard_items.add(item)
    required = [c.key for c in COLUMNS if c.required]
    path = write_csv(tmp_path / "catalogue.csv", [item_row("H-1", name="新名称")], header=required)

    out = run(path)

    assert "updated 1" in out
    item.refresh_from_db()
    assert item.name == "新名称"
    assert item.fee == "200元"
    assert [m[0] for m in materials_of("H-1")] == ["申请表", "补充说明"]
    assert list(item.prerequisites.all()) == [other]
    assert list(item.industries.all()) == [logistics]


def test_unknown_columns_are_ignored_and_named(tmp_path, planning):
    path = write_csv(tmp_path / "catalogue.csv", [item_row("U-1")], header=[*HEADER, "备注"])
    err = io.StringIO()

    call_command("import_catalogue", str(path), stdout=io.StringIO(), stderr=err)

    assert "Ignored columns (not part of the catalogue layout): 备注" in err.getvalue()
    assert ApprovalItem.objects.filter(code="U-1").exists()


def test_template_round_trips(tmp_path, planning, logistics):
    land = factories.item(planning, "LAND-1")
    path = tmp_path / "template.xlsx"

    out = run(template=str(path))

    assert "Template written" in out
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["catalogue", "help"]
    sheet = workbook["catalogue"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert "“*”" in sheet.cell(row=1, column=HEADER.index("materials") + 1).comment.text
    help_rows = list(workbook["help"].iter_rows(min_row=2, max_col=1, values_only=True))
    assert [row[0] for row in help_rows[: len(HEADER)]] == HEADER

    out = run(path)

    assert "Created 1, updated 0, unchanged 0, rejected 0." in out
    example = ApprovalItem.objects.get(code="EXAMPLE-001")
    assert example.department == planning
    assert list(example.prerequisites.all()) == [land]
    assert list(example.industries.all()) == [logistics]
    assert materials_of("EXAMPLE-001")[-1][1:3] == ("Power of attorney", False)
    assert len(materials_of("EXAMPLE-001")) == 4


def test_missing_required_column_is_an_error(tmp_path, planning):
    header = [key for key in HEADER if key != "promised_limit_days"]
    path = write_xlsx(tmp_path / "catalogue.xlsx", [item_row("Q-1")], header=header)

    with pytest.raises(CommandError, match="Required columns are missing: promised_limit_days"):
        run(path)
    assert not ApprovalItem.objects.exists()


def test_two_headers_for_one_column_is_an_error(tmp_path, planning):
    path = write_csv(tmp_path / "catalogue.csv", [item_row("Q-1")], header=[*HEADER, "事项编码"])

    with pytest.raises(CommandError, match="“code” and “事项编码” both mean “code”"):
        run(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xlsx", b"not a zip file", "cannot be read as an Excel workbook"),
        ("gbk.csv", "code,name\n甲,乙\n".encode("gbk"), "is not UTF-8 text"),
        ("empty.csv", b"", "The file is empty"),
        ("catalogue.xls", b"", "neither an .xlsx workbook nor a .csv file"),
    ],
)
def test_unreadable_files_are_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        run(path)


def test_a_missing_file_or_no_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        run(tmp_path / "nowhere.xlsx")
    with pytest.raises(CommandError, match="Give the FILE"):
        run()


def test_progress_bar_goes_to_a_terminal(tmp_path, planning, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    path = write_csv(tmp_path / "catalogue.csv", [item_row("T-1"), item_row("T-2")])

    run(path)

    assert "Importing" in terminal.getvalue()
    assert "2/2" in terminal.getvalue()


def test_help_explains_columns_and_material_notation():
    text = Command().create_parser("manage.py", "import_catalogue").format_help()

    assert "statutory_limit_days [法定时限" in text
    assert "(non-key)" in text
    assert "申请表|Application form; 授权委托书*|Power of attorney" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("申请表", [MaterialSpec("申请表")]),
        ("申请表|Application form", [MaterialSpec("申请表", "Application form")]),
        ("委托书*|Power of attorney", [MaterialSpec("委托书", "Power of attorney", key=False)]),
        ("委托书|Power of attorney*", [MaterialSpec("委托书", "Power of attorney", key=False)]),
        ("委托书（非关键）", [MaterialSpec("委托书", key=False)]),
        (
            "委托书|Power of attorney (Non-Key)",
            [MaterialSpec("委托书", "Power of attorney", False)],
        ),
        ("营业执照(副本)", [MaterialSpec("营业执照(副本)")]),
        ("甲；乙;\n\n丙;", [MaterialSpec("甲"), MaterialSpec("乙"), MaterialSpec("丙")]),
        ("", []),
    ],
)
def test_material_notation(text, expected):
    materials, problems = parse_materials(text)

    assert problems == []
    assert materials == expected
    assert parse_materials(format_materials(materials)) == (materials, [])
