import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from portal.scheduler import enqueue_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Enqueue periodic jobs (settings.PERIODIC_TASKS) into django-tasks at fixed intervals. "
        "Run exactly one in production; a second one enqueues nothing twice, but is useless."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args, tick: float, once: bool, **options):
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while self.running:
            try:
                for name in enqueue_due():
                    if options["verbosity"] > 1:
                        self.stdout.write(f"enqueued {name}")
            except DatabaseError:  # the database is away: try again at the next tick
                logger.warning("scheduler could not reach the database", exc_info=True)
            if once:
                break
            deadline = time.monotonic() + tick
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.5, tick))
            close_old_connections()
