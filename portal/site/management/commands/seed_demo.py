from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import delete_pages, delete_public_pages, seed_home_pages, seed_public_pages
from meetings.demo import delete_meetings, seed_meetings
from portal.demo import DEMO_ACCOUNTS, delete_accounts, seed_accounts
from projects.demo import delete_projects, seed_projects


class Command(BaseCommand):
    help = "Load the demo data. Running it twice leaves the same data; --reset rebuilds it."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo", help="password of every demo account")
        parser.add_argument("--reset", action="store_true", help="delete the demo data first")

    def handle(self, *args, password: str, reset: bool, **options):
        with transaction.atomic():
            if reset:
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
