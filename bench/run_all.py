"""Run every benchmark in this folder, one after the other; each prints its own figures."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Names starting with "_" are helpers the benchmarks import (_common.py, _urls.py), not benchmarks.
scripts = sorted(
    p for p in HERE.glob("*.py") if p.name != "run_all.py" and not p.name.startswith("_")
)
if not scripts:
    print("no benchmarks yet")
for script in scripts:
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=True, cwd=HERE.parent)
