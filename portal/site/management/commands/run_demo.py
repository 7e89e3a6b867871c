import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from portal.demo import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Run daphne, the task worker and the scheduler together; Ctrl-C stops all three."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--password", default="demo", help="shown next to the logins")

    def handle(self, *args, host: str, port: int, password: str, **options):
        python = sys.executable
        manage = [python, "manage.py"]
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
        # Links in emails, calendars and the back office point at where the demo really runs.
        env.setdefault("PORTAL_BASE_URL", f"http://{host}:{port}")
        commands = {
            "web": [
                python,
                "-m",
                "daphne",
                "-b",
                host,
                "-p",
                str(port),
                "portal.site.asgi:application",
            ],
            "worker": [*manage, "db_worker", "--interval", "1"],
            "scheduler": [*manage, "run_scheduler"],
        }
        children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        time.sleep(1.5)
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(f"The portal is running at http://{host}:{port}/"))
        out.write(f"  English:      http://{host}:{port}/en/")
        out.write(f"  Back office:  http://{host}:{port}/admin/")
        out.write(f"  API docs:     http://{host}:{port}/api/v1/docs")
        out.write(f"Demo logins (password: {password}):")
        for account in DEMO_ACCOUNTS:
            out.write(f"  {account.username:<12} {account.role}")
        out.write("Web server, task worker and scheduler run together; Ctrl-C stops all three.")

        while not stopping:
            exited = [name for name, child in children.items() if child.poll() is not None]
            if exited:
                self.stderr.write(f"{', '.join(exited)} stopped; stopping the others.")
                break
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        out.write("Stopped.")
