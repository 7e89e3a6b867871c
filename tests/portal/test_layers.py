"""The layers point one way; import-linter (in .ci/run) enforces the direction, these tests keep
its configuration honest: every module of `portal` is on one side, and a wrong-way import is
caught."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_every_module_of_portal_is_in_the_base_or_the_composition():
    base = set(
        next(c for c in _config()["contracts"] if c["type"] == "forbidden")["source_modules"]
    )
    found = set()
    for path in (ROOT / "portal").iterdir():
        if path.name in ("__init__.py", "__pycache__", "static", "site"):
            continue
        if path.suffix == ".py" or (path / "__init__.py").exists():
            found.add(f"portal.{path.stem}")
    unclassified = found - base
    assert not unclassified, (
        f"put these in the base contract or move them to portal.site: {unclassified}"
    )


def test_a_wrong_way_import_breaks_the_contract(tmp_path):
    """Run import-linter on a copy of the tree where the shared base imports an app."""
    copy = tmp_path / "tree"
    copy.mkdir()
    for name in (
        "portal",
        "projects",
        "supervision",
        "meetings",
        "cms",
        "reports",
        "pyproject.toml",
    ):
        subprocess.run(["cp", "-r", str(ROOT / name), str(copy / name)], check=True)
    roles = copy / "portal" / "roles.py"
    roles.write_text(roles.read_text() + "\nfrom projects import models as _wrong_way  # noqa\n")
    linter = Path(sys.executable).parent / "lint-imports"
    broken = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert broken.returncode != 0, broken.stdout
    assert "BROKEN" in broken.stdout and "portal.roles -> projects" in broken.stdout
    intact = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert intact.returncode == 0, intact.stdout
