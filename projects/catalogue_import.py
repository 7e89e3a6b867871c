"""Load approval items into the catalogue from a spreadsheet (.xlsx) or a CSV file (UTF-8).

Reading and checking are pure functions over the file's rows and a snapshot of the catalogue.
`catalogue_import_file` then writes the rows that passed, in two passes: items first, then
prerequisites and industry sets, so a row may name a code defined further down the file.
Each row goes in whole or not at all; rejected rows come back with their reasons.

The command (`manage.py import_catalogue`) and the back office (upload, dry-run report, then
apply in the worker: `catalogue_import_check`, `catalogue_import_apply`) both end in
`catalogue_import_table`, so a file is checked and written the same way by either.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import textwrap
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from time import monotonic
from typing import TYPE_CHECKING, Any, BinaryIO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django_tasks import task

from portal import mail
from portal.errors import InvalidInput, NotVisible, PermissionRefused, TransitionRefused
from portal.mail import enqueue_after_commit

from . import permissions as perms
from .catalogue import (
    CODE_SEPARATORS,
    code_problems,
    limit_problems,
    material_problems,
    prerequisite_graph,
    prerequisite_problems,
)
from .files import shortened
from .models import ApprovalItem, CatalogueImport, Department, Industry, ItemMaterial

if TYPE_CHECKING:
    from portal.models import User
NAME_MAX = ApprovalItem._meta.get_field("name").max_length
CODE_MAX = ApprovalItem._meta.get_field("code").max_length
FEE_MAX = ApprovalItem._meta.get_field("fee").max_length
MATERIAL_NAME_MAX = ItemMaterial._meta.get_field("name").max_length
DAYS_MAX = 32767  # PositiveSmallIntegerField
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
TEMPLATE_SHEET = "catalogue"
HELP_SHEET = "help"

MATERIALS_NOTATION = gettext_lazy(
    "Entries are separated by “;” or a line break, in the order they are published. Each entry "
    "is the Chinese name, optionally followed by “|” and the English name. A material is key by "
    "default (without it the application cannot be accepted). Mark a non-key material (it may "
    "be supplemented later) with “*” right after its name, or with “(非关键)” or “(non-key)” at "
    "the end of the entry. Example: 申请表|Application form; 授权委托书*|Power of attorney"
)


class CatalogueFileError(InvalidInput):
    """The file as a whole cannot be imported: unreadable, or required columns are missing."""

    code = "unreadable_file"


@dataclass(frozen=True)
class Column:
    """One column of the import file."""

    key: str
    aliases: tuple[str, ...]
    required: bool
    help: Promise
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        ("事项编码", "事项代码", "事项编号", "编码", "代码", "item code"),
        True,
        gettext_lazy(
            "The item's code, unique in the catalogue. An item with this code that already "
            "exists is updated; otherwise a new item is created. May not contain “;” or “,”."
        ),
        "EXAMPLE-001",
    ),
    Column(
        "name",
        ("事项名称", "名称", "中文名称", "事项名称(中文)", "item name"),
        True,
        gettext_lazy("The item's name in Chinese."),
        "建设工程规划许可证核发",
    ),
    Column(
        "name_en",
        ("英文名称", "事项名称(英文)", "名称(英文)", "english name", "name (english)"),
        False,
        gettext_lazy("The item's name in English (optional)."),
        "Construction-project planning permit",
    ),
    Column(
        "department",
        ("部门", "实施部门", "办理部门", "实施机关", "责任部门"),
        True,
        gettext_lazy(
            "The department that handles the item: its short name, Chinese name or English "
            "name, as in the portal's list of departments."
        ),
        "区规划分局",
    ),
    Column(
        "legal_basis",
        ("设定依据", "法律依据", "依据"),
        False,
        gettext_lazy("The law or regulation that sets up the item (optional)."),
        "《中华人民共和国城乡规划法》第四十条",
    ),
    Column(
        "statutory_limit_days",
        ("法定时限", "法定时限(工作日)", "法定办结时限", "statutory limit"),
        True,
        gettext_lazy("The statutory time limit, in working days: a whole number, at least 1."),
        "20",
    ),
    Column(
        "promised_limit_days",
        ("承诺时限", "承诺时限(工作日)", "承诺办结时限", "promised limit"),
        True,
        gettext_lazy(
            "The promised time limit, in working days: a whole number, at least 1 and not "
            "longer than the statutory limit."
        ),
        "10",
    ),
    Column(
        "fee",
        ("收费", "收费标准", "收费情况"),
        False,
        gettext_lazy("The fee, as published (optional), e.g. “不收费”."),
        "不收费",
    ),
    Column(
        "fully_online",
        ("全程网办", "全程网上办理", "是否全程网办", "网上办理"),
        False,
        gettext_lazy(
            "Whether the item can be handled entirely online: yes/no, true/false, 1/0 or 是/否. "
            "Empty means no."
        ),
        "yes",
    ),
    Column(
        "prerequisites",
        ("前置事项", "前置审批", "前置审批事项", "prerequisite items"),
        False,
        gettext_lazy(
            "Codes of the items that must be approved first, separated by “;” or “,”. Each code "
            "must be in the catalogue or in this file (in any row). The item's prerequisites "
            "are replaced by this list; an empty cell removes them."
        ),
        "",
    ),
    Column(
        "materials",
        ("申请材料", "材料", "材料清单", "一次性告知", "一次性告知材料", "required materials"),
        False,
        gettext_lazy(
            "The one-time notification list (the required materials). The item's list is "
            "replaced by this one; approvals already running keep their own copy."
        ),
        "建设工程规划许可证申请表|Application form; 建设用地规划许可证|Land-use planning "
        "permit; 总平面设计方案|Site plan; 授权委托书*|Power of attorney",
    ),
    Column(
        "industries",
        ("行业", "所属行业", "行业代码", "适用行业"),
        False,
        gettext_lazy(
            "Codes of the industries whose standard set of items includes this item, separated "
            "by “;”. Listing an industry adds the item to its set; nothing is removed."
        ),
        "",
    ),
)
TEXT_LIMITS = {"code": CODE_MAX, "name": NAME_MAX, "name_en": NAME_MAX, "fee": FEE_MAX}
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "是"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "否", ""})


# --- reading the file -----------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The file's header row and its data rows, numbered as the spreadsheet shows them."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


def cell_text(value: Any) -> str:
    """A cell's value as the text the user typed (20.0 -> "20", TRUE -> "yes")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _table(records: Iterable[Sequence[Any]]) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, record in enumerate(records, start=1):
        cells = [cell_text(value) for value in record]
        if headers is None:
            headers = cells
        elif any(cells):
            rows.append((number, cells))
    if not headers or not any(headers):
        raise CatalogueFileError(_("The file is empty: its first row must hold the column names."))
    return Table(headers=headers, rows=rows)


def _read_xlsx(source: Path | BinaryIO, name: str) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(source, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise CatalogueFileError(
            _("“%(file)s” cannot be read as an Excel workbook (.xlsx): %(error)s")
            % {"file": name, "error": exc}
        ) from exc
    try:
        # The catalogue is the first sheet whose header names a code column (a help sheet
        # may come first); a file without one gets the missing-column error on its first sheet.
        chosen = workbook.worksheets[0] if workbook.worksheets else None
        for sheet in workbook.worksheets:
            header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
            if "code" in map_headers([cell_text(v) for v in header], strict=False).columns:
                chosen = sheet
                break
        if chosen is None:
            raise CatalogueFileError(_("The workbook has no worksheet."))
        return _table(
            chosen.iter_rows(min_row=1, min_col=1, max_col=chosen.max_column, values_only=True)
        )
    finally:
        workbook.close()


def _read_csv(data: bytes, name: str) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueFileError(
            _(
                "“%(file)s” is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma "
                "delimited)”, or import the .xlsx workbook itself."
            )
            % {"file": name}
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = "\t" if "\t" in first_line else ";" if ";" in first_line else ","
    try:
        return _table(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as exc:
        raise CatalogueFileError(
            _("“%(file)s” is not a valid CSV file: %(error)s") % {"file": name, "error": exc}
        ) from exc


def _check_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in EXCEL_SUFFIXES + CSV_SUFFIXES:
        raise CatalogueFileError(
            _("“%(file)s” is neither an .xlsx workbook nor a .csv file.") % {"file": name}
        )
    return suffix


def read_table(path: Path) -> Table:
    """Read an .xlsx or .csv file (chosen by its extension) into a Table."""
    path = Path(path)
    suffix = _check_suffix(path.name)
    if not path.is_file():
        raise CatalogueFileError(_("There is no file “%(file)s”.") % {"file": path})
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(path, path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueFileError(
            _("“%(file)s” cannot be read: %(error)s") % {"file": path.name, "error": exc}
        ) from exc
    return _read_csv(data, path.name)


def read_table_content(content: bytes, name: str) -> Table:
    """Read an uploaded file's content into a Table; `name` (its extension) says which kind."""
    suffix = _check_suffix(name)
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(io.BytesIO(content), name)
    return _read_csv(content, name)


# --- the header row -------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """Fold a header for matching: full-width to ASCII, case, spaces and dashes to "_"."""
    text = unicodedata.normalize("NFKC", text).strip().casefold().rstrip("*").strip()
    return re.sub(r"[\s\-]+", "_", text)


HEADER_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.key, *_column.aliases):
        HEADER_ALIASES[normalise_header(_alias)] = _column.key


@dataclass(frozen=True)
class HeaderMap:
    """Which file column holds which field, and the header text the user wrote for it."""

    columns: dict[str, int]
    titles: dict[str, str]
    ignored: list[str]


def map_headers(headers: Sequence[str], *, strict: bool = True) -> HeaderMap:
    """Match the header row to the columns (English keys or Chinese aliases).

    With `strict`, a missing required column or two headers meaning the same column raise
    CatalogueFileError.
    """
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        key = HEADER_ALIASES.get(normalise_header(header))
        if key is None:
            ignored.append(header)
        elif key in columns:
            if strict:
                raise CatalogueFileError(
                    _("The columns “%(first)s” and “%(second)s” both mean “%(key)s”; keep one.")
                    % {"first": titles[key], "second": header, "key": key}
                )
        else:
            columns[key] = index
            titles[key] = header
    missing = [c.key for c in COLUMNS if c.required and c.key not in columns]
    if strict and missing:
        raise CatalogueFileError(
            _(
                "Required columns are missing: %(columns)s. The first row must name the columns; "
                "the template shows them."
            )
            % {"columns": ", ".join(missing)}
        )
    return HeaderMap(columns=columns, titles=titles, ignored=ignored)


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialSpec:
    """One entry of the one-time notification list, as written in the file."""

    name: str
    name_en: str = ""
    key: bool = True


_MATERIAL_SPLIT = re.compile(r"[;；\n]+")
_NAME_SPLIT = re.compile(r"[|｜]")
_NON_KEY_MARKER = re.compile(r"\s*[(（]\s*(?:非关键|non[-\s]?key)\s*[)）]\s*$", re.IGNORECASE)
_CODE_SPLIT = CODE_SEPARATORS


def _strip_non_key(part: str) -> tuple[str, bool]:
    """Remove a non-key mark from the end of a name; say whether there was one."""
    part = part.strip()
    marked = False
    while True:
        match = _NON_KEY_MARKER.search(part)
        if match:
            part, marked = part[: match.start()].strip(), True
        elif part.endswith(("*", "＊")):
            part, marked = part[:-1].strip(), True
        else:
            return part, marked


def parse_materials(text: str) -> tuple[list[MaterialSpec], list[str]]:
    """Parse a materials cell into entries and the problems found (see MATERIALS_NOTATION)."""
    materials: list[MaterialSpec] = []
    problems: list[str] = []
    names: list[str] = []
    for entry in _MATERIAL_SPLIT.split(text):
        entry = entry.strip()
        if not entry:
            continue
        parts = _NAME_SPLIT.split(entry)
        if len(parts) > 2:
            problems.append(
                _("Material “%(entry)s” has more than one “|”; write it as 中文名|English name.")
                % {"entry": entry}
            )
            continue
        name, name_marked = _strip_non_key(parts[0])
        name_en, en_marked = _strip_non_key(parts[1]) if len(parts) == 2 else ("", False)
        if not name:
            problems.append(_("Material “%(entry)s” has no Chinese name.") % {"entry": entry})
            continue
        too_long = [n for n in (name, name_en) if len(n) > MATERIAL_NAME_MAX]
        if too_long:
            problems.append(
                _("Material name “%(name)s…” is longer than %(max)s characters.")
                % {"name": too_long[0][:30], "max": MATERIAL_NAME_MAX}
            )
            continue
        names.append(name)
        if name not in {m.name for m in materials}:
            materials.append(MaterialSpec(name, name_en, key=not (name_marked or en_marked)))
    problems.extend(material_problems(names))
    return materials, problems


def format_materials(materials: Iterable[MaterialSpec]) -> str:
    """Write materials in the notation parse_materials reads."""
    return "; ".join(
        f"{m.name}{'' if m.key else '*'}{'|' + m.name_en if m.name_en else ''}" for m in materials
    )


def parse_codes(text: str) -> list[str]:
    """Split a cell of codes on “;” or “,” (full-width too); drop blanks and repeats."""
    return list(dict.fromkeys(c.strip() for c in _CODE_SPLIT.split(text) if c.strip()))


def parse_bool(text: str) -> bool:
    """yes/no, true/false, 1/0, 是/否 (empty means no); ValueError otherwise."""
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(text)


def parse_days(text: str) -> int:
    """A whole, positive number of working days; ValueError with the reason otherwise."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d+(?:\.0*)?", text):
        raise ValueError("not a whole number")
    days = int(text.split(".")[0])
    if days < 1:
        raise ValueError("less than one")
    if days > DAYS_MAX:
        raise ValueError("too large")
    return days


# --- the catalogue as the checks see it -----------------------------------------------------


@dataclass(frozen=True)
class DepartmentRef:
    pk: int
    name: str
    short_name: str
    name_en: str


@dataclass(frozen=True)
class CatalogueSnapshot:
    """What the checks need to know about the database, read once."""

    departments: tuple[DepartmentRef, ...] = ()
    industry_codes: frozenset[str] = frozenset()
    # existing item code -> the codes of its prerequisites
    prerequisites: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_database(cls) -> CatalogueSnapshot:
        return cls(
            departments=tuple(
                DepartmentRef(d.pk, d.name, d.short_name, d.name_en)
                for d in Department.objects.order_by("pk")
            ),
            industry_codes=frozenset(Industry.objects.values_list("code", flat=True)),
            prerequisites=prerequisite_graph(),
        )


def find_department(value: str, departments: Sequence[DepartmentRef]) -> int:
    """The department named by its Chinese name, short name or English name (in that order).

    Raises ValueError with the reason when none or several match.
    """
    wanted = value.strip().casefold()
    for attribute in ("name", "short_name", "name_en"):
        matches = [d for d in departments if getattr(d, attribute).strip().casefold() == wanted]
        if len(matches) == 1:
            return matches[0].pk
        if len(matches) > 1:
            raise ValueError(
                _("“%(value)s” matches several departments (%(names)s); use the Chinese name.")
                % {"value": value, "names": "、".join(d.name for d in matches)}
            )
    raise ValueError(
        _(
            "No department is called “%(value)s”; use a department's short name, Chinese name "
            "or English name."
        )
        % {"value": value}
    )


# --- checking rows --------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One data row: the values it sets, and the reasons it is rejected (none if it passed).

    `materials`, `prerequisites` and `industries` are None when the file has no such column:
    an update then leaves them as they are.
    """

    row: int
    code: str
    fields: dict[str, Any] = field(default_factory=dict)
    materials: list[MaterialSpec] | None = None
    prerequisites: list[str] | None = None
    industries: list[str] | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.reasons)


def parse_row(
    number: int, cells: Sequence[str], headers: HeaderMap, catalogue: CatalogueSnapshot
) -> ItemRow:
    """Check one data row on its own (not against the other rows of the file)."""

    def value(key: str) -> str:
        index = headers.columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def title(key: str) -> str:
        return headers.titles.get(key, key)

    code = value("code")
    item = ItemRow(row=number, code=code)
    reasons = item.reasons
    for column in COLUMNS:
        if column.required and column.key in headers.columns and not value(column.key):
            reasons.append(
                _("“%(column)s” is empty; every item needs it.") % {"column": title(column.key)}
            )
    reasons.extend(code_problems(code))

    for key in ("code", "name", "name_en", "legal_basis", "fee"):
        if key not in headers.columns:
            continue
        text = value(key)
        limit = TEXT_LIMITS.get(key)
        if limit and len(text) > limit:
            reasons.append(
                _("“%(column)s” is longer than %(max)s characters.")
                % {"column": title(key), "max": limit}
            )
        elif key != "code":
            item.fields[key] = text

    if value("department"):
        try:
            item.fields["department_id"] = find_department(
                value("department"), catalogue.departments
            )
        except ValueError as exc:
            reasons.append(str(exc))

    for key in ("statutory_limit_days", "promised_limit_days"):
        text = value(key)
        if not text:
            continue  # reported as empty above
        try:
            item.fields[key] = parse_days(text)
        except ValueError:
            reasons.append(
                _(
                    "“%(column)s” must be a whole number of working days from 1 to %(max)s, "
                    "not “%(value)s”."
                )
                % {"column": title(key), "value": text, "max": DAYS_MAX}
            )
    reasons.extend(
        limit_problems(
            item.fields.get("statutory_limit_days"), item.fields.get("promised_limit_days")
        )
    )

    if "fully_online" in headers.columns:
        try:
            item.fields["fully_online"] = parse_bool(value("fully_online"))
        except ValueError:
            reasons.append(
                _("“%(column)s” must be yes or no (是/否), not “%(value)s”.")
                % {"column": title("fully_online"), "value": value("fully_online")}
            )

    if "materials" in headers.columns:
        item.materials, problems = parse_materials(value("materials"))
        reasons.extend(problems)

    if "prerequisites" in headers.columns:
        item.prerequisites = parse_codes(value("prerequisites"))
        if code:  # the loops through other items are found once every row is read
            reasons.extend(prerequisite_problems(code, item.prerequisites, {}))

    if "industries" in headers.columns:
        item.industries = parse_codes(value("industries"))
        for industry in item.industries:
            if industry not in catalogue.industry_codes:
                reasons.append(_("No industry has the code “%(code)s”.") % {"code": industry})
    return item


@dataclass
class Plan:
    """The rows that passed every check, the rejected ones, and the columns not understood."""

    rows: list[ItemRow]
    rejected: list[ItemRow]
    ignored_columns: list[str]


def _prerequisite_problems(
    item: ItemRow,
    valid: Mapping[str, ItemRow],
    rows_of: Mapping[str, list[int]],
    existing: Mapping[str, frozenset[str]],
) -> list[str]:
    problems = []
    for code in item.prerequisites or ():
        if code == item.code or code in valid or code in existing:
            continue
        if code in rows_of:
            problems.append(
                _(
                    "Prerequisite “%(code)s” is not in the catalogue, and its row %(rows)s in "
                    "this file was rejected."
                )
                % {"code": code, "rows": ", ".join(map(str, rows_of[code]))}
            )
        else:
            problems.append(
                _("Prerequisite “%(code)s” is neither in the catalogue nor in this file.")
                % {"code": code}
            )
    return problems


def build_plan(
    table: Table, catalogue: CatalogueSnapshot, *, forced: Mapping[int, str] | None = None
) -> Plan:
    """Check every row of the table; rows that fail any check are rejected with the reasons.

    `forced` rejects rows for reasons found while writing (row number -> reason).
    """
    headers = map_headers(table.headers)
    items = [parse_row(number, cells, headers, catalogue) for number, cells in table.rows]
    for item in items:
        if forced and item.row in forced:
            item.reasons.append(forced[item.row])

    rows_of: dict[str, list[int]] = defaultdict(list)
    for item in items:
        if item.code:
            rows_of[item.code].append(item.row)
    for item in items:
        if len(rows_of.get(item.code, ())) > 1:
            item.reasons.append(
                _("The code “%(code)s” appears in rows %(rows)s; each code may appear only once.")
                % {"code": item.code, "rows": ", ".join(map(str, rows_of[item.code]))}
            )

    existing = catalogue.prerequisites
    valid = {item.code: item for item in items if not item.rejected}
    for item in items:  # unknown codes are reported on every row, rejected or not
        if item.rejected:
            item.reasons.extend(_prerequisite_problems(item, valid, rows_of, existing))

    # Rejecting a row can strand the rows that need it, and changes the graph: repeat until
    # nothing more falls.
    changed = True
    while changed:
        changed = False
        for code, item in list(valid.items()):
            problems = _prerequisite_problems(item, valid, rows_of, existing)
            if problems:
                item.reasons.extend(problems)
                del valid[code]
                changed = True
        if changed:
            continue
        graph: dict[str, Collection[str]] = dict(existing)
        for code, item in valid.items():
            if item.prerequisites is not None:
                graph[code] = item.prerequisites
        for code, item in list(valid.items()):
            if item.prerequisites is None:
                continue
            problems = prerequisite_problems(code, item.prerequisites, graph)
            if problems:
                item.reasons.extend(problems)
                del valid[code]
                changed = True
                break  # the graph changed
    return Plan(
        rows=[item for item in items if not item.rejected],
        rejected=[item for item in items if item.rejected],
        ignored_columns=headers.ignored,
    )


def format_rejection(item: ItemRow) -> str:
    """One line of the report: the row as the spreadsheet numbers it, its code, the reasons."""
    if item.code:
        return _("Row %(row)s (%(code)s): %(reasons)s") % {
            "row": item.row,
            "code": item.code,
            "reasons": " ".join(item.reasons),
        }
    return _("Row %(row)s: %(reasons)s") % {"row": item.row, "reasons": " ".join(item.reasons)}


# --- writing --------------------------------------------------------------------------------

Progress = Callable[[Sequence[ItemRow]], Iterable[ItemRow]]


@dataclass
class ImportResult:
    """What the import did (or, in a dry run, would do)."""

    created: list[ItemRow] = field(default_factory=list)
    updated: list[ItemRow] = field(default_factory=list)
    unchanged: list[ItemRow] = field(default_factory=list)
    rejected: list[ItemRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False


class _RowFailed(Exception):
    def __init__(self, row: int, reason: str):
        super().__init__(reason)
        self.row = row
        self.reason = reason


def _state(item: ApprovalItem) -> tuple:
    """Everything the file can set on an item, to tell an update from no change."""
    return (
        item.name,
        item.name_en,
        item.department_id,
        item.legal_basis,
        item.statutory_limit_days,
        item.promised_limit_days,
        item.fee,
        item.fully_online,
        _materials_of(item),
        tuple(sorted(item.prerequisites.values_list("code", flat=True))),
        tuple(sorted(item.industries.values_list("code", flat=True))),
    )


def _materials_of(item: ApprovalItem) -> tuple:
    return tuple(item.materials.order_by("position", "id").values_list("name", "name_en", "key"))


def _write_item(row: ItemRow, item: ApprovalItem | None) -> ApprovalItem:
    if item is None:
        item = ApprovalItem(code=row.code)
    for name, value in row.fields.items():
        setattr(item, name, value)
    item.full_clean(validate_unique=False, validate_constraints=False)
    item.save()
    if row.materials is not None:
        wanted = tuple((m.name, m.name_en, m.key) for m in row.materials)
        positions = tuple(item.materials.values_list("position", flat=True))
        if wanted != _materials_of(item) or positions != tuple(range(len(wanted))):
            # Only the catalogue's list: approvals keep the copy made when they were created.
            item.materials.all().delete()
            ItemMaterial.objects.bulk_create(
                ItemMaterial(item=item, name=m.name, name_en=m.name_en, key=m.key, position=i)
                for i, m in enumerate(row.materials)
            )
    return item


def _write_links(row: ItemRow, item: ApprovalItem, items: Mapping[str, ApprovalItem]) -> None:
    if row.prerequisites is not None:
        item.prerequisites.set([items[code] for code in row.prerequisites])
    if row.industries:
        for industry in Industry.objects.filter(code__in=row.industries):
            industry.standard_items.add(item)


def _failure(row: ItemRow, exc: Exception) -> _RowFailed:
    if isinstance(exc, ValidationError):
        detail = " ".join(str(m) for m in exc.messages)
    else:
        detail = str(exc)
    return _RowFailed(row.row, _("The row could not be saved: %(error)s") % {"error": detail})


def apply_plan(plan: Plan, *, progress: Progress | None = None) -> ImportResult:
    """Write the plan's rows: items first, then their prerequisites and industry sets.

    Runs in the caller's transaction; raises _RowFailed if the database refuses a row.
    """
    rows = plan.rows
    codes = [row.code for row in rows]
    items = {
        item.code: item for item in ApprovalItem.objects.select_for_update().filter(code__in=codes)
    }
    before = {code: _state(item) for code, item in items.items()}
    for row in progress(rows) if progress else rows:
        try:
            items[row.code] = _write_item(row, items.get(row.code))
        except (DatabaseError, ValidationError) as exc:
            raise _failure(row, exc) from exc

    needed = {code for row in rows for code in row.prerequisites or ()} - items.keys()
    links = {**{i.code: i for i in ApprovalItem.objects.filter(code__in=needed)}, **items}
    result = ImportResult(rejected=list(plan.rejected), ignored_columns=plan.ignored_columns)
    for row in rows:
        item = items[row.code]
        try:
            _write_links(row, item, links)
        except (DatabaseError, KeyError) as exc:
            raise _failure(row, exc) from exc
        if row.code not in before:
            result.created.append(row)
        elif _state(item) != before[row.code]:
            result.updated.append(row)
        else:
            result.unchanged.append(row)
    return result


def catalogue_import_table(
    *, table: Table, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Check and write a table's rows; a dry run does all of it and then rolls back.

    The valid rows are written in one transaction. Should the database refuse one of them,
    the whole attempt is undone and repeated without that row (and the rows that need it),
    so every row goes in whole or not at all.
    """
    forced: dict[int, str] = {}
    while True:
        try:
            with transaction.atomic():
                plan = build_plan(table, CatalogueSnapshot.from_database(), forced=forced)
                result = apply_plan(plan, progress=progress)
                result.dry_run = dry_run
                if dry_run:
                    transaction.set_rollback(True)
        except _RowFailed as failure:
            forced[failure.row] = failure.reason
            continue
        result.rejected.sort(key=lambda item: item.row)
        return result


def catalogue_import_file(
    *,
    actor: User | None,
    path: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import approval items from an .xlsx or .csv file (see COLUMNS for the layout).

    `actor` None means the system (a management command); a person must be bureau staff.
    """
    if actor is not None and not may_import_catalogue(actor):
        raise PermissionRefused(_("Only bureau staff change the approval-item catalogue."))
    return catalogue_import_table(table=read_table(path), dry_run=dry_run, progress=progress)


def may_import_catalogue(user) -> bool:
    """Bureau staff who may add and change approval items (Wagtail's catalogue permissions)."""
    return perms.is_bureau_staff(user) and user.has_perms(CATALOGUE_EDIT_PERMISSIONS)


CATALOGUE_EDIT_PERMISSIONS = ("projects.add_approvalitem", "projects.change_approvalitem")


# --- the back office: upload, check (a dry run), apply in the worker ------------------------
#
# Staff upload a file; it is stored and checked at once by the same code as the command's
# --dry-run, and the report (every row with its number and what would happen) is kept with it.
# Applying queues the worker, which checks the stored file again (its SHA-256 must be the one
# checked) and writes it in one transaction: all of it or nothing. Should the catalogue have
# changed so that a row would now do something else than the report said, nothing is written
# and staff are asked to check again.

UPLOAD_MAX_BYTES = 2 * 1024 * 1024
UPLOAD_MAX_ROWS = 2000
UPLOAD_SUFFIXES = (".xlsx", ".csv")
PROGRESS_INTERVAL_SECONDS = 0.5

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spreadsheet:
    """An uploaded file that passed the checks of its size and kind."""

    name: str
    content: bytes
    sha256: str


def check_spreadsheet(upload, *, field: str = "file") -> Spreadsheet:
    """Refuse, saying why, a file that is empty, too big, or not an .xlsx or a text .csv file."""
    name = shortened(PurePosixPath(str(getattr(upload, "name", "") or "")).name)
    if not name:
        raise InvalidInput(_("Choose a file to import."), field=field)
    if upload.size == 0:
        raise InvalidInput(_("The file %(name)s is empty.") % {"name": name}, field=field)
    if upload.size > UPLOAD_MAX_BYTES:
        raise InvalidInput(
            _(
                "The file %(name)s is %(size)s; a catalogue file may be at most %(limit)s. "
                "Split it into several files."
            )
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(UPLOAD_MAX_BYTES),
            },
            field=field,
        )
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InvalidInput(
            _(
                "Files of type %(ext)s cannot be imported; use an Excel workbook (.xlsx) or a "
                "UTF-8 .csv file. In Excel, “Save as” either of them."
            )
            % {"ext": suffix or _("(no extension)")},
            field=field,
        )
    upload.seek(0)
    content = upload.read(UPLOAD_MAX_BYTES + 1)
    upload.seek(0)
    if suffix == ".xlsx" and not _looks_like_workbook(content):
        raise InvalidInput(
            _(
                "The content of %(name)s is not an Excel workbook, whatever its name says. "
                "Open it in Excel and save it as “Excel Workbook (.xlsx)”."
            )
            % {"name": name},
            field=field,
        )
    if suffix == ".csv" and (b"\x00" in content or filetype.guess(content[:8192]) is not None):
        raise InvalidInput(
            _(
                "The content of %(name)s is not text, whatever its name says. Upload the .xlsx "
                "workbook itself, or save it from Excel as “CSV UTF-8 (comma delimited)”."
            )
            % {"name": name},
            field=field,
        )
    return Spreadsheet(name=name, content=content, sha256=hashlib.sha256(content).hexdigest())


def _looks_like_workbook(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def report_of(result: ImportResult) -> dict[str, Any]:
    """The result as stored with the upload: each row by its number, and the ignored columns."""
    rows = [
        {"row": row.row, "code": row.code, "outcome": outcome, "reasons": list(row.reasons)}
        for outcome, group in (
            ("created", result.created),
            ("updated", result.updated),
            ("unchanged", result.unchanged),
            ("rejected", result.rejected),
        )
        for row in group
    ]
    rows.sort(key=lambda entry: entry["row"])
    return {"rows": rows, "ignored_columns": list(result.ignored_columns)}


# What must not differ between the check and the application: a row rejected or not, and a
# code created or already in the catalogue. An item now equal to its row is no surprise.
_OUTCOME_KIND = {"created": "created", "updated": "existing", "unchanged": "existing"}


def report_differences(checked: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict]:
    """Rows whose outcome differs between two reports of the same file."""
    before = {e["row"]: e for e in checked.get("rows", ())}
    after = {e["row"]: e for e in now.get("rows", ())}
    differences = []
    for number in sorted(before.keys() | after.keys()):
        old, new = before.get(number), after.get(number)
        kind_old = old and _OUTCOME_KIND.get(old["outcome"], old["outcome"])
        kind_new = new and _OUTCOME_KIND.get(new["outcome"], new["outcome"])
        if kind_old != kind_new:
            differences.append(
                {
                    "row": number,
                    "code": (new or old)["code"],
                    "checked": old["outcome"] if old else "",
                    "now": new["outcome"] if new else "",
                    "reasons": new["reasons"] if new else [],
                }
            )
    return differences


def report_counts(report: Mapping[str, Any]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for entry in report.get("rows", ()):
        counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    return counts


def _refuse_unless_may_import(actor: User) -> None:
    if not may_import_catalogue(actor):
        raise PermissionRefused(
            _("Only bureau staff who may edit the catalogue import approval items.")
        )


def catalogue_import_check(
    *, actor: User, upload, language: str = "", now: datetime | None = None
) -> CatalogueImport:
    """Store an uploaded catalogue file and check it (a dry run): the report staff read."""
    _refuse_unless_may_import(actor)
    spreadsheet = check_spreadsheet(upload)
    try:
        table = read_table_content(spreadsheet.content, spreadsheet.name)
        map_headers(table.headers)  # a missing column is refused before anything is stored
    except CatalogueFileError as exc:
        raise CatalogueFileError(exc.message, field="file") from exc
    if len(table.rows) > UPLOAD_MAX_ROWS:
        raise InvalidInput(
            _("The file has %(count)s rows; import at most %(max)s rows at a time.")
            % {"count": len(table.rows), "max": UPLOAD_MAX_ROWS},
            field="file",
        )
    result = catalogue_import_table(table=table, dry_run=True)
    return CatalogueImport.objects.create(
        file=ContentFile(spreadsheet.content, name=spreadsheet.name),
        original_name=spreadsheet.name,
        size=len(spreadsheet.content),
        sha256=spreadsheet.sha256,
        language=language or translation.get_language() or "",
        uploaded_by=actor,
        uploaded_at=now or timezone.now(),
        report=report_of(result),
    )


def catalogue_import_recheck(
    *, actor: User, import_id: int, now: datetime | None = None
) -> CatalogueImport:
    """Check a stored file again (after the catalogue changed): a new report to apply."""
    _refuse_unless_may_import(actor)
    record = CatalogueImport.objects.filter(pk=import_id).first()
    if record is None:
        raise NotVisible(_("There is no such import."))
    if record.status not in (CatalogueImport.Status.OUTDATED, CatalogueImport.Status.FAILED):
        raise TransitionRefused(_("Only an import that was not applied can be checked again."))
    content = _stored_content(record)
    if hashlib.sha256(content).hexdigest() != record.sha256:
        raise TransitionRefused(_CHANGED_FILE())
    result = catalogue_import_table(
        table=read_table_content(content, record.original_name), dry_run=True
    )
    with transaction.atomic():
        record = CatalogueImport.objects.select_for_update().get(pk=import_id)
        if record.status not in (CatalogueImport.Status.OUTDATED, CatalogueImport.Status.FAILED):
            raise TransitionRefused(_("Only an import that was not applied can be checked again."))
        record.status = CatalogueImport.Status.CHECKED
        record.report = report_of(result)
        record.result = {}
        record.error = ""
        record.rows_done = record.rows_total = 0
        record.applied_by = None
        record.queued_at = record.started_at = record.finished_at = None
        record.uploaded_at = now or timezone.now()  # the report's date
        record.language = translation.get_language() or record.language
        record.save()
    return record


def _CHANGED_FILE() -> str:  # noqa: N802 - a message, translated when raised
    return _(
        "The stored file is no longer the one that was checked (its SHA-256 differs). "
        "Nothing was written; upload the file again."
    )


def _stored_content(record: CatalogueImport) -> bytes:
    try:
        with record.file.open("rb") as stored:
            return stored.read()
    except OSError as exc:
        raise CatalogueFileError(
            _("The stored file “%(file)s” cannot be read: %(error)s")
            % {"file": record.original_name, "error": exc}
        ) from exc


def catalogue_import_apply(
    *, actor: User, import_id: int, sha256: str, now: datetime | None = None
) -> CatalogueImport:
    """Queue a checked import for the worker. `sha256` is the file the person saw checked."""
    _refuse_unless_may_import(actor)
    with transaction.atomic():
        record = CatalogueImport.objects.select_for_update().filter(pk=import_id).first()
        if record is None:
            raise NotVisible(_("There is no such import."))
        if record.status != CatalogueImport.Status.CHECKED:
            raise TransitionRefused(
                _("This import is %(status)s; it cannot be applied again.")
                % {"status": record.get_status_display()}
            )
        if sha256 != record.sha256:
            raise TransitionRefused(
                _(
                    "The report you applied is not the latest check of this file. Read the "
                    "report below and apply it again."
                )
            )
        if hashlib.sha256(_stored_content(record)).hexdigest() != record.sha256:
            raise TransitionRefused(_CHANGED_FILE())
        counts = report_counts(record.report)
        if not counts["created"] and not counts["updated"]:
            raise TransitionRefused(
                _("The check found nothing to create or update: there is nothing to apply.")
            )
        record.status = CatalogueImport.Status.QUEUED
        record.applied_by = actor
        record.queued_at = now or timezone.now()
        record.rows_total = counts["created"] + counts["updated"] + counts["unchanged"]
        record.rows_done = 0
        record.save()
        enqueue_after_commit(catalogue_import_task, record.pk)
    return record


class _Progress:
    """Rows written so far, where the status page reads them while the import runs.

    The rows are written in one transaction, whose own changes no other connection sees
    until it commits. On PostgreSQL the count goes through a second connection of its own;
    SQLite (one writer at a time) cannot, and shows the count when the transaction ends.
    """

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self.connection = None
        if connection.vendor == "postgresql":
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self.written_at = 0.0

    def __call__(self, rows: Sequence[ItemRow]) -> Iterator[ItemRow]:
        total = len(rows)
        self._record(0, total)
        for done, row in enumerate(rows, start=1):
            yield row
            if monotonic() - self.written_at >= PROGRESS_INTERVAL_SECONDS:
                self._record(done, total)
        self._record(total, total)

    def _record(self, done: int, total: int) -> None:
        self.written_at = monotonic()
        if self.connection is None:
            return
        table = self.connection.ops.quote_name(CatalogueImport._meta.db_table)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET rows_done = %s, rows_total = %s WHERE id = %s",  # noqa: S608
                    [done, total, self.import_id],
                )
        except DatabaseError:  # a progress figure is never worth stopping the import
            logger.warning("could not record the progress of import %s", self.import_id)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _finish(import_id: int, status: str, **fields: Any) -> None:
    CatalogueImport.objects.filter(pk=import_id).update(
        status=status, finished_at=timezone.now(), **fields
    )


def catalogue_import_run(import_id: int) -> str:
    """The worker's part: check the stored file again and write it, all of it or nothing.

    Returns the import's status afterwards. Safe to run again: a finished import is left alone,
    and a run cut short wrote nothing (its transaction never committed).
    """
    S = CatalogueImport.Status
    with transaction.atomic():
        record = CatalogueImport.objects.select_for_update().filter(pk=import_id).first()
        if record is None or record.status not in (S.QUEUED, S.RUNNING):
            return record.status if record else ""
        record.status = S.RUNNING
        record.started_at = timezone.now()
        record.rows_done = 0
        record.save(update_fields=["status", "started_at", "rows_done"])
    with translation.override(record.language or settings.LANGUAGE_CODE):
        try:
            return _run(record)
        except Exception:
            logger.exception("catalogue import %s failed", import_id)
            _finish(
                import_id,
                S.FAILED,
                error=_("An unexpected error stopped the import; nothing was written."),
            )
            raise


def _run(record: CatalogueImport) -> str:
    S = CatalogueImport.Status
    try:
        content = _stored_content(record)
        if hashlib.sha256(content).hexdigest() != record.sha256:
            _finish(record.pk, S.FAILED, error=_CHANGED_FILE())
            return S.FAILED
        table = read_table_content(content, record.original_name)
    except CatalogueFileError as exc:
        _finish(record.pk, S.FAILED, error=str(exc.message))
        return S.FAILED
    progress = _Progress(record.pk)
    try:
        with transaction.atomic():
            result = catalogue_import_table(table=table, progress=progress)
            report = report_of(result)
            differences = report_differences(record.report, report)
            if differences:
                transaction.set_rollback(True)
            else:
                current = CatalogueImport.objects.select_for_update().get(pk=record.pk)
                if current.status != S.RUNNING or current.started_at != record.started_at:
                    transaction.set_rollback(True)  # another run took it over
                    return current.status
                written = len(result.created) + len(result.updated) + len(result.unchanged)
                current.status = S.APPLIED
                current.result = report
                current.rows_done = current.rows_total = written
                current.finished_at = timezone.now()
                current.save()
    finally:
        progress.close()
    if differences:
        _finish(
            record.pk,
            S.OUTDATED,
            result={**report, "differences": differences},
            rows_done=0,
        )
        return S.OUTDATED
    return S.APPLIED


# Resumable: should its worker die, the task is run again (PostgreSQL), which is safe, since
# the run that died wrote nothing. It sends no email; `resumable` only re-queues it.
@mail.resumable
@task()
def catalogue_import_task(import_id: int) -> str:
    """Apply a checked catalogue import (queued from the back office)."""
    return catalogue_import_run(import_id)


# --- the template ---------------------------------------------------------------------------


def template_example() -> dict[str, str]:
    """The template's example row, using a real department (and industry, item) if any."""
    example = {column.key: column.example for column in COLUMNS}
    code, n = example["code"], 1
    while ApprovalItem.objects.filter(code=code).exists():
        n += 1
        code = f"EXAMPLE-{n:03d}"
    example["code"] = code
    department = Department.objects.first()
    if department is not None:
        example["department"] = department.name
    prerequisite = ApprovalItem.objects.filter(is_active=True).order_by("code").first()
    if prerequisite is not None:
        example["prerequisites"] = prerequisite.code
    industry = Industry.objects.order_by("code").first()
    if industry is not None:
        example["industries"] = industry.code
    return example


def columns_help(width: int = 78) -> str:
    """The columns and the materials notation as plain text, for the command's --help."""
    lines = [str(_("Columns (header row 1; English keys or the Chinese names in brackets):"))]
    for column in COLUMNS:
        mark = (
            pgettext("catalogue import", "required")
            if column.required
            else pgettext("catalogue import", "optional")
        )
        lines.append(f"  {column.key} [{'/'.join(column.aliases[:2])}] ({mark})")
        lines.extend(
            textwrap.wrap(
                str(column.help), width, initial_indent=" " * 6, subsequent_indent=" " * 6
            )
        )
    lines.append("")
    lines.append(str(_("Materials notation:")))
    lines.extend(
        textwrap.wrap(str(MATERIALS_NOTATION), width, initial_indent="  ", subsequent_indent="  ")
    )
    lines.append("")
    lines.extend(
        textwrap.wrap(
            str(
                _(
                    "A column left out of the file leaves that field of existing items as it "
                    "is. Rows are numbered as the spreadsheet shows them (the header is row 1)."
                )
            ),
            width,
        )
    )
    return "\n".join(lines)


def write_template(path: Path, example: Mapping[str, str] | None = None) -> None:
    """Write an .xlsx template: the header row, one example row and a help sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    example = dict(example if example is not None else template_example())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        header = sheet.cell(row=1, column=index, value=column.key)
        header.font = Font(bold=True)
        if column.required:
            header.fill = required_fill
        comment = str(column.help)
        if column.key == "materials":
            comment = f"{comment}\n\n{MATERIALS_NOTATION}"
        header.comment = Comment(comment, "import_catalogue", height=220, width=320)
        value = example.get(column.key, "")
        cell = sheet.cell(row=2, column=index, value=int(value) if value.isdigit() else value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = (
            60 if column.key == "materials" else 24
        )
    sheet.freeze_panes = "A2"
    online = DataValidation(type="list", formula1='"yes,no,是,否"', allow_blank=True)
    sheet.add_data_validation(online)
    online_letter = get_column_letter([c.key for c in COLUMNS].index("fully_online") + 1)
    online.add(f"{online_letter}2:{online_letter}2000")

    help_sheet = workbook.create_sheet(HELP_SHEET)
    help_sheet.append(
        [
            pgettext("catalogue import", "column"),
            pgettext("catalogue import", "Chinese headers"),
            pgettext("catalogue import", "required"),
            pgettext("catalogue import", "what to write"),
        ]
    )
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        text = str(column.help)
        if column.key == "materials":
            text = f"{text} {MATERIALS_NOTATION}"
        help_sheet.append(
            [
                column.key,
                "、".join(column.aliases),
                pgettext("catalogue import", "yes")
                if column.required
                else pgettext("catalogue import", "no"),
                text,
            ]
        )
    help_sheet.append([])
    for note in (
        _(
            "The first sheet with a “code” column is imported: row 1 names the columns, every "
            "further row is an item."
        ),
        _("Required columns are shaded. Delete the example row before importing your items."),
        _("A column left out of the file leaves that field of existing items as it is."),
        _("Rejected rows are reported with their row number; the other rows are imported."),
    ):
        help_sheet.append([str(note)])
    for letter, width in zip("ABCD", (22, 36, 10, 90), strict=True):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.save(path)
