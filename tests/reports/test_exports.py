"""Every table exports with the page's filters: XLSX opened back with openpyxl and compared
with the page, CSV in UTF-8 with a byte-order mark, headers in the reader's language."""

import csv
import io
import re
from datetime import datetime

import openpyxl
import pytest

from reports.tables import TABLE_NAMES

from .test_statistics_views import JUNE, page, table_rows

pytestmark = pytest.mark.django_db


def open_xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_xlsx_holds_the_pages_figures_as_numbers(client, june):
    html = page(client, june.staff).content.decode()
    response = page(client, june.staff, JUNE + "&format=xlsx&table=summary")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="statistics-summary-2026-06-01_2026-06-30.xlsx"'
    )
    sheet = open_xlsx(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2] == ("Figure", "Value")  # headers in the reader's language
    values = {row[0]: row[1] for row in rows[3:]}
    assert values["Applications received"] == 4
    assert isinstance(values["Applications received"], int)
    assert values["On time against the promised limit"] == 0.5
    assert values["Working days used, median"] == 4.5
    on_page = dict(row for row in table_rows(html, "summary")[1:])
    assert on_page["Applications received"] == str(values["Applications received"])
    assert on_page["On time against the promised limit"] == "50.0 %"
    percent_cell = next(c for c in sheet["B"] if c.value == 0.5)
    assert percent_cell.number_format == "0.0%"


def test_xlsx_months_are_dates_and_departments_match_the_page(client, june):
    sheet = open_xlsx(page(client, june.staff, JUNE + "&format=xlsx&table=monthly"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][0] == datetime(2026, 6, 1)
    assert sheet.cell(row=4, column=1).number_format == "yyyy-mm"
    assert rows[3][1:] == (4, 2, 2, 1, 1)
    html = page(client, june.staff).content.decode()
    sheet = open_xlsx(page(client, june.staff, JUNE + "&format=xlsx&table=departments"))
    exported = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    shown = table_rows(html, "departments")[1:]
    assert [row[0] for row in exported] == [row[0] for row in shown]
    assert [row[0] for row in shown] == ["Stats Bureau A", "Stats Bureau B"]
    assert [row[3] for row in exported] == [1.0, 0.0]
    assert [row[3] for row in shown] == ["100.0 %", "0.0 %"]


def test_csv_is_utf8_with_bom_and_follows_the_filters(client, june):
    response = page(
        client, june.staff, JUNE + f"&department={june.dept_b.pk}&format=csv&table=summary"
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response["Content-Disposition"].endswith('2026-06-01_2026-06-30.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = dict(rows[1:])
    assert values["Applications received"] == "2"  # department B only
    assert values["On time against the promised limit"] == "0.0%"


def test_english_headers_in_english_and_every_table_exports(client, june):
    response = page(client, june.staff, JUNE + "&format=csv&table=departments")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Department,Received,Decided")
    assert "Stats Bureau A" in response.content.decode("utf-8-sig")
    zh = page(client, june.staff, JUNE + "&format=csv&table=departments", prefix="")
    assert "统计甲局" in zh.content.decode("utf-8-sig")
    for name in TABLE_NAMES:
        for fmt in ("xlsx", "csv"):
            r = page(client, june.staff, JUNE + f"&format={fmt}&table={name}")
            assert r.status_code == 200, (name, fmt)
            assert re.search(
                rf"statistics-{name}-2026-06-01_2026-06-30\.{fmt}", r["Content-Disposition"]
            )


def test_unknown_table_or_format_is_refused(client, june):
    assert page(client, june.staff, JUNE + "&format=pdf&table=summary").status_code == 400
    assert page(client, june.staff, JUNE + "&format=csv&table=users").status_code == 400


def test_ratings_export_counts_per_score(client, june):
    sheet = open_xlsx(page(client, june.staff, JUNE + "&format=xlsx&table=ratings"))
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    counts = [row[1] for row in rows[:5]]
    assert counts == [1, 1, 0, 1, 0]  # very satisfied .. very dissatisfied
    assert rows[-1][2] == pytest.approx(2 / 3)
