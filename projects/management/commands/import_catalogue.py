"""manage.py import_catalogue: load approval items from an .xlsx or .csv file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from tqdm import tqdm

from projects import catalogue_import
from projects.catalogue_import import CatalogueFileError, ImportResult, ItemRow


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the column list kept as written."""


class Command(BaseCommand):
    help = (
        "Load approval items into the catalogue from an .xlsx workbook or a UTF-8 .csv file.\n"
        "Items are matched by code: existing ones are updated, new ones created. Rejected rows\n"
        "are reported with their spreadsheet row number and the reasons; the others are\n"
        "imported. Write a template with --template OUT.xlsx."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("epilog", catalogue_import.columns_help())
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", help="the .xlsx or .csv file to import")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and report what would change, without writing anything",
        )
        parser.add_argument(
            "--template",
            metavar="OUT.xlsx",
            help="write an empty template (header, example row, help sheet) and exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file, template = options["file"], options["template"]
        if template:
            if file:
                raise CommandError("Give either a FILE to import or --template, not both.")
            self._write_template(Path(template))
            return
        if not file:
            raise CommandError("Give the FILE to import (.xlsx or .csv), or --template OUT.xlsx.")
        try:
            result = catalogue_import.catalogue_import_file(
                actor=None, path=Path(file), dry_run=options["dry_run"], progress=self._progress
            )
        except CatalogueFileError as exc:
            raise CommandError(str(exc.message)) from exc
        self._report(result, options["verbosity"])

    def _progress(self, rows: Sequence[ItemRow]) -> Iterable[ItemRow]:
        # tqdm turns itself off when stderr is not a terminal (disable=None).
        return tqdm(rows, desc="Importing", unit="item", file=sys.stderr, disable=None)

    def _write_template(self, path: Path) -> None:
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The template is an .xlsx workbook: give a name ending in .xlsx.")
        try:
            catalogue_import.write_template(path)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Template written to {path}."))

    def _codes(self, label: str, rows: list[ItemRow]) -> None:
        if rows:
            codes = ", ".join(row.code for row in rows)
            self.stdout.write(f"{label} ({len(rows)}): {codes}")

    def _report(self, result: ImportResult, verbosity: int) -> None:
        if result.ignored_columns:
            self.stderr.write(
                "Ignored columns (not part of the catalogue layout): "
                + ", ".join(result.ignored_columns)
            )
        if result.rejected:
            self.stdout.write(self.style.WARNING(f"Rejected rows ({len(result.rejected)}):"))
            for row in result.rejected:
                self.stdout.write(f"  {catalogue_import.format_rejection(row)}")
        counts = (len(result.created), len(result.updated), len(result.unchanged))
        rejected = len(result.rejected)
        if result.dry_run:
            self._codes("Would create", result.created)
            self._codes("Would update", result.updated)
            if verbosity >= 2:
                self._codes("Unchanged", result.unchanged)
            self.stdout.write(
                "Dry run, nothing was written: would create {}, update {}, leave {} unchanged, "
                "reject {}.".format(*counts, rejected)
            )
            return
        if verbosity >= 2:
            self._codes("Created", result.created)
            self._codes("Updated", result.updated)
            self._codes("Unchanged", result.unchanged)
        style = self.style.WARNING if rejected else self.style.SUCCESS
        self.stdout.write(
            style("Created {}, updated {}, unchanged {}, rejected {}.".format(*counts, rejected))
        )
