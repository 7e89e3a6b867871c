"""Run the benchmarks in this folder one after the other, each with the options it accepts.

    .venv/bin/python bench/run_all.py [--only api,pages] [--runs 3 --requests 50 ...]
    make bench BENCH_ARGS="--only realtime --clients 1000"

Every option given is passed to each benchmark whose parser has it (`--requests` to api, pages,
cms and feed; `--clients` to realtime); an option no benchmark has is refused before anything
runs. `--only` picks benchmarks by name; `--list` shows them with their options.
"""

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    # Names starting with "_" are helpers the benchmarks import (_common.py, ...), not benchmarks.
    return sorted(
        p for p in HERE.glob("*.py") if p.name != "run_all.py" and not p.name.startswith("_")
    )


def public_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's --options, but not the ones it keeps for itself (help=SUPPRESS)."""
    return {
        name: action
        for name, action in parser._option_string_actions.items()
        if name.startswith("--") and name != "--help" and action.help != argparse.SUPPRESS
    }


def parser_of(script: Path) -> argparse.ArgumentParser:
    """The benchmark's own argument parser (each has `build_parser()`); importing a benchmark
    sets nothing up: Django and the database come in its main()."""
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module.build_parser()


def split_options(argv: list[str]) -> list[tuple[str, list[str]]]:
    """`--name value`, `--name=value` or `--flag` tokens, grouped per option (name, tokens)."""
    options, i = [], 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("--"):
            raise SystemExit(f"run_all: expected an option, got {token!r}")
        name = token.split("=", 1)[0]
        tokens = [token]
        if "=" not in token:
            while i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                i += 1
                tokens.append(argv[i])
        options.append((name, tokens))
        i += 1
    return options


def main() -> None:
    argv = sys.argv[1:]
    only, listing = None, False
    rest = []
    for name, tokens in split_options(argv):
        if name == "--only":
            value = tokens[0].split("=", 1)[1] if "=" in tokens[0] else " ".join(tokens[1:])
            only = {n.strip().removesuffix(".py") for n in value.replace(" ", ",").split(",")}
            only.discard("")
        elif name == "--list":
            listing = True
        elif name in ("-h", "--help"):
            print(__doc__)
            return
        else:
            rest.append((name, tokens))
    chosen = [s for s in scripts() if only is None or s.stem in only]
    if only is not None and {s.stem for s in chosen} != only:
        unknown = only - {s.stem for s in chosen}
        raise SystemExit(f"run_all: no benchmark named {', '.join(sorted(unknown))}")
    parsers = {script: parser_of(script) for script in chosen}
    if listing:
        for script, parser in parsers.items():
            print(f"{script.stem}: {' '.join(sorted(public_options(parser)))}")
        return
    known = {o for p in parsers.values() for o in public_options(p)}
    refused = [name for name, _tokens in rest if name not in known]
    if refused:
        raise SystemExit(f"run_all: no chosen benchmark accepts {', '.join(refused)} (see --list)")
    if not chosen:
        print("no benchmarks yet")
    for script, parser in parsers.items():
        accepted = public_options(parser)
        passed = [t for name, tokens in rest if name in accepted for t in tokens]
        print(f"== {script.name} {' '.join(passed)}".rstrip(), flush=True)
        subprocess.run([sys.executable, str(script), *passed], check=True, cwd=HERE.parent)


if __name__ == "__main__":
    main()
