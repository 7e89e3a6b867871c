"""Real daphne processes for tests: started on loopback ports, stopped by pid."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_env_of_test_db() -> dict[str, str]:
    """Where the database pytest-django created is, for processes started by a test."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = s.get("USER") or "postgres"
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return {"DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"}
    return {"DATABASE_URL": "", "SQLITE_PATH": str(s["NAME"])}


class ServerProcess:
    """A real daphne process on a loopback port, stopped by pid when the test ends."""

    def __init__(self, port: int, env: dict, log: Path):
        self.port = port
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "portal.site.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"daphne on {self.port} not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture
def start_daphne(tmp_path):
    started: list[ServerProcess] = []

    def start(port: int, **env_overrides) -> ServerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            **database_env_of_test_db(),
            **env_overrides,
        }
        server = ServerProcess(port, env, tmp_path / f"daphne-{port}.log")
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()
