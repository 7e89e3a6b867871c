"""Rebuild the statistics rollups from the approvals, the event log and the calendar."""

import time

from django.core.management.base import BaseCommand

from reports.rollups import rebuild


class Command(BaseCommand):
    help = "Rewrite every statistics rollup row (after a bulk import or to start using them)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = rebuild()
        self.stdout.write(
            f"{written} approval rows rebuilt in {time.perf_counter() - started:.1f} s"
        )
