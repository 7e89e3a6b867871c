"""Each statistics table as XLSX or CSV: numbers as numbers, dates as dates, headers in the
reader's language, the period in the file name."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .tables import COUNT, DAYS, MONTH, PERCENT, Table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")


def filename(table: Table, slug: str, extension: str) -> str:
    return f"statistics-{table.name}-{slug}.{extension}"


def _disposition(name: str) -> str:
    return f'attachment; filename="{name}"'


def xlsx_bytes(table: Table, period: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    sheet.append([str(table.caption)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([period])
    sheet.append([str(h) for h in table.headers])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([c.value for c in row])
        for cell, source in zip(sheet[sheet.max_row], row, strict=True):
            if source.kind == PERCENT:
                cell.number_format = "0.0%"
            elif source.kind == DAYS:
                cell.number_format = "0.0"
            elif source.kind == MONTH:
                cell.number_format = "yyyy-mm"
            elif source.kind == COUNT:
                cell.number_format = "#,##0"
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(48, len(header) * 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in table.headers])
    for row in table.rows:
        line = []
        for cell in row:
            value = cell.value
            if value is None:
                line.append("")
            elif cell.kind == PERCENT:
                line.append(f"{value * 100:.1f}%")
            elif cell.kind == DAYS:
                line.append(f"{value:.1f}")
            elif cell.kind == MONTH:
                line.append(value.strftime("%Y-%m"))
            else:
                line.append(value)
        writer.writerow(line)
    return out.getvalue()


def export_response(table: Table, fmt: str, slug: str, period: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(table, period), content_type=XLSX_TYPE)
    else:
        # The byte-order mark lets Excel open the Chinese text as UTF-8.
        body = "\ufeff" + csv_text(table)
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename(table, slug, fmt))
    return response
