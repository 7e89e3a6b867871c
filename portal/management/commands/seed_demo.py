from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import delete_pages, seed_home_pages
from portal.demo import DEMO_ACCOUNTS, delete_accounts, seed_accounts


class Command(BaseCommand):
    help = "Load the demo data. Running it twice leaves the same data; --reset rebuilds it."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo", help="password of every demo account")
        parser.add_argument("--reset", action="store_true", help="delete the demo data first")

    def handle(self, *args, password: str, reset: bool, **options):
        with transaction.atomic():
            if reset:
                delete_pages()
                delete_accounts()
            seed_accounts(password=password)
            seed_home_pages()
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):")
            )
            for account in DEMO_ACCOUNTS:
                self.stdout.write(f"  {account.username:<12} {account.role}")
