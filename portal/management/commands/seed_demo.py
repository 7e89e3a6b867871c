from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import delete_pages, seed_home_pages
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
                # Projects point at the demo accounts (helpers, actors): they go first.
                delete_projects()
                delete_pages()
                delete_accounts()
            seed_accounts(password=password)
            seed_home_pages()
            added = seed_projects()
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):")
            )
            for account in DEMO_ACCOUNTS:
                self.stdout.write(f"  {account.username:<12} {account.role}")
            if added:
                self.stdout.write(f"{added} demo projects loaded with their approval history.")
