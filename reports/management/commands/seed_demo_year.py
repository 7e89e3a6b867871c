from django.core.management.base import BaseCommand

from reports.demo_year import DEFAULT_PROJECTS, delete_demo_year, seed_demo_year


class Command(BaseCommand):
    help = (
        "Add a year of demo history (projects, approvals, meetings, visits, cases, ratings) for "
        "the statistics and open-government pages, after seed_demo. Running it twice leaves "
        "the same data; --reset rebuilds it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS)
        parser.add_argument("--seed", type=int, default=2026, help="the random seed")
        parser.add_argument("--reset", action="store_true", help="delete the year first")

    def handle(self, *args, projects: int, seed: int, reset: bool, **options):
        if reset:
            delete_demo_year()
        outcome = seed_demo_year(seed=seed, projects=projects)
        if options["verbosity"]:
            if outcome.projects:
                self.stdout.write(self.style.SUCCESS(f"Demo year added: {outcome.summary()}."))
            else:
                self.stdout.write(f"The demo year is there already ({outcome.seconds:.1f} s).")
