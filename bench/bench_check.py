"""How fast `nanguard check` is on a tree of ML code, against baselines measured in the same run.

Generates (once, deterministically) a corpus of real-looking ML modules into bench/.corpus/, then
times whole processes, interleaved so that load on the machine hits every tool alike:

- `nanguard check` with the default jobs and with one, each with jedi (the default) and without;
- a single Python process running `ast.parse` over the same files (the floor for any linter
  written in Python that parses everything);
- `ruff check --select F821 --no-cache` (a fast Rust linter that parses everything).

Targets: nanguard (default jobs) faster than `ast.parse`, within 3x of ruff, and jedi adding at
most 50%. For scale: the pylint plugin dslinter checks about 10 files per second.

    .venv/bin/python bench/bench_check.py [--files 400] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusInfo, generate  # noqa: E402

CORPUS = Path(__file__).resolve().parent / ".corpus"
DSLINTER_FILES_PER_SECOND = 10

AST_PARSE_SCRIPT = """
import ast, pathlib, sys
count = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    ast.parse(path.read_bytes(), str(path))
    count += 1
print(count)
"""


@dataclass(slots=True)
class Contender:
    label: str
    command: list[str]
    ok_codes: tuple[int, ...] = (0,)
    best: float = float("inf")

    def run(self) -> float:
        start = time.perf_counter()
        result = subprocess.run(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode not in self.ok_codes:
            raise SystemExit(f"{self.label} failed with exit code {result.returncode}:\n{result.stderr}")
        self.best = min(self.best, elapsed)
        return elapsed


def find_ruff() -> str:
    beside_python = Path(sys.executable).with_name("ruff")
    found = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    if found is None:
        raise SystemExit("ruff is not installed; it comes with the test extras: pip install -e '.[test]'")
    return found


def nanguard(*options: str) -> list[str]:
    return [sys.executable, "-m", "nanguard", "check", str(CORPUS), *options]


def check_the_contenders_see_the_same_files(info: CorpusInfo, ruff: str) -> dict:
    """Not timed: every tool must look at all files, or the comparison means nothing."""
    ruff_files = subprocess.run(
        [ruff, "check", "--show-files", "--no-respect-gitignore", "--no-cache", str(CORPUS)],
        capture_output=True, text=True, check=True,
    ).stdout
    ruff_count = sum(1 for line in ruff_files.splitlines() if line.strip().endswith(".py"))
    parsed = subprocess.run([sys.executable, "-c", AST_PARSE_SCRIPT, str(CORPUS)], capture_output=True, text=True,
                            check=True).stdout
    findings = json.loads(
        subprocess.run(nanguard("--output-format", "json"), capture_output=True, text=True).stdout
    )
    if not ruff_count == int(parsed) == info.files:
        raise SystemExit(f"file counts differ: corpus {info.files}, ruff {ruff_count}, ast.parse {parsed.strip()}")
    return {
        "findings": len(findings),
        "files_with_findings": len({finding["path"] for finding in findings}),
        "through_reexports": sum(1 for finding in findings if finding["message"].startswith("`log(")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark `nanguard check` against ast.parse and ruff.")
    parser.add_argument("--files", type=int, default=400, help="modules in the corpus (default 400)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool; the best counts (default 3)")
    args = parser.parse_args()

    info = generate(CORPUS, args.files, args.seed)
    ruff = find_ruff()
    facts = check_the_contenders_see_the_same_files(info, ruff)
    jobs = os.process_cpu_count() if hasattr(os, "process_cpu_count") else len(os.sched_getaffinity(0))

    headline = Contender(f"nanguard check (jobs={jobs})", nanguard(), (0, 1))
    no_jedi = Contender(f"nanguard check --no-jedi (jobs={jobs})", nanguard("--no-jedi"), (0, 1))
    serial = Contender("nanguard check --jobs 1", nanguard("--jobs", "1"), (0, 1))
    serial_no_jedi = Contender("nanguard check --jobs 1 --no-jedi", nanguard("--jobs", "1", "--no-jedi"), (0, 1))
    ast_parse = Contender("ast.parse, 1 process", [sys.executable, "-c", AST_PARSE_SCRIPT, str(CORPUS)])
    ruff_check = Contender(
        "ruff check --select F821", [ruff, "check", "--select", "F821", "--no-cache", "--no-respect-gitignore",
                                     str(CORPUS)], (0, 1)
    )
    contenders = [headline, no_jedi, serial, serial_no_jedi, ast_parse, ruff_check]
    for _ in range(args.repeat):
        for contender in contenders:
            contender.run()

    print(f"corpus: {info.files} files, {info.lines:,} lines in {CORPUS} (seed {args.seed}); "
          f"{info.framework_log_files} modules call a framework log, "
          f"{info.reexported_log_files} through a project re-export")
    print(f"nanguard found {facts['findings']} findings in {facts['files_with_findings']} files "
          f"({facts['through_reexports']} through re-exports, found by jedi)")
    print(f"best of {args.repeat} whole-process runs, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    header = f"{'':40} {'wall s':>8} {'files/s':>9} {'ms/1k lines':>12} {'vs ast.parse':>13} {'vs ruff':>8}"
    print(header)
    print("-" * len(header))
    for contender in contenders:
        print(
            f"{contender.label:40} {contender.best:8.2f} {info.files / contender.best:9.0f} "
            f"{1000 * contender.best / (info.lines / 1000):12.2f} {contender.best / ast_parse.best:12.2f}x "
            f"{contender.best / ruff_check.best:7.2f}x"
        )
    print(f"{'dslinter (pylint plugin, quoted)':40} {'':8} {DSLINTER_FILES_PER_SECOND:9}")

    jedi_cost = headline.best / no_jedi.best - 1
    targets = [
        ("faster than ast.parse", headline.best < ast_parse.best, f"{headline.best / ast_parse.best:.2f}x"),
        ("within 3x of ruff", headline.best <= 3 * ruff_check.best, f"{headline.best / ruff_check.best:.2f}x"),
        ("jedi fallback adds at most 50%", jedi_cost <= 0.5, f"{jedi_cost:+.0%}"),
    ]
    print()
    for name, met, figure in targets:
        print(f"target {name:34} {figure:>8}  {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
