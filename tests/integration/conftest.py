"""Fixtures shared by the integration tests: a project to change, a redis-server of their own."""

import shutil
import subprocess
import time

import pytest
import redis
from wagtail.models import APIToken

from tests.conftest import free_port
from tests.projects import factories as f


@pytest.fixture
def world(postgres):
    w = type("World", (), {})()
    w.staff = f.user("staff", "staff")
    w.helper = f.user("helper", "helper")
    dept = f.department()
    w.officer = f.officer(dept, "officer")
    items = [f.item(dept, f"ITEM{i}") for i in range(6)]
    w.project = f.project(w.staff, f.enterprise([]), items, lead=w.helper)
    w.approvals = list(w.project.approvals.order_by("id"))
    w.stream = f"project:{w.project.pk}"
    w.token = APIToken.create_token(user=w.officer, name="it")[1]
    return w


class RedisServer:
    """A redis-server on a spare loopback port, without persistence: a restart forgets
    everything (groups, pending messages) and comes back with a new run_id."""

    def __init__(self, binary: str, port: int, directory):
        self.binary, self.port, self.directory = binary, port, directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.client().ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise TimeoutError("redis-server did not start")

    def run_id(self) -> str:
        return self.client().info("server")["run_id"]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a spare loopback port (never the shared one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    server = RedisServer(binary, free_port(), tmp_path)
    server.start()
    yield server
    server.stop()
