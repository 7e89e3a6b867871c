from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import delete_pages, delete_public_pages, seed_home_pages, seed_public_pages
from meetings.demo import delete_meetings, seed_meetings
from portal.demo import DEMO_ACCOUNTS, delete_accounts, seed_accounts
from portal.models import Event
from portal.notifications import notifications_backfill
from projects.demo import delete_projects, seed_projects
from reports.demo_year import delete_demo_year
from supervision.demo import delete_supervision, seed_supervision


class Command(BaseCommand):
    help = "Load the demo data. Running it twice leaves the same data; --reset rebuilds it."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo", help="password of every demo account")
        parser.add_argument("--reset", action="store_true", help="delete the demo data first")

    def handle(self, *args, password: str, reset: bool, **options):
        with transaction.atomic():
            if reset:
                # The demo year (seed_demo_year) points at the demo accounts and catalogue.
                delete_demo_year()
                # Cases point at meetings' action items, projects and accounts: first of all.
                delete_supervision()
                # Meetings point at the projects and accounts: they go first.
                delete_meetings()
                # Projects point at the demo accounts (helpers, actors): they go first.
                delete_projects()
                delete_public_pages()
                delete_pages()
                delete_accounts()
            seed_accounts(password=password)
            seed_home_pages()
            added = seed_projects()
            # After the catalogue: policies link to its approval items.
            seed_public_pages()
            meetings_added = seed_meetings()
            # After the projects and meetings: cards, cases and ratings are about them.
            seed_supervision()
            # The history's notifications, without email or live signals (a rerun adds none).
            notifications_backfill(events=Event.objects.order_by("id").iterator())
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):")
            )
            for account in DEMO_ACCOUNTS:
                self.stdout.write(f"  {account.username:<12} {account.role}")
            if added:
                self.stdout.write(f"{added} demo projects loaded with their approval history.")
            if meetings_added:
                self.stdout.write(f"{meetings_added} demo meetings and site visits loaded.")
