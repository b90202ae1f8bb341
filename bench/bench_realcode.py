"""Time the whole `nanguard check` process on pinned real releases against ruff and ast.parse.

Why: generated corpora hide jedi, the prefilter and start-up costs; real trees show them. Every
figure is the median wall time of whole processes, and the yardsticks run in the same call, so
the ratios hold on a loaded machine.

    NANGUARD_BENCH_CACHE=... .venv/bin/python bench/bench_realcode.py [-n RUNS] [--findings DIR] [PROJECT ...]

Speed must not change what is found: every run also checks that the warm (cached) run's JSON
findings equal the cold run's, and with ``--findings DIR`` that the cold run's equal those kept
in DIR by an earlier run (of another commit); a corpus seen for the first time is kept there.
The corpora sit under the benchmark cache, which the repository's .gitignore names, so
nanguard is told not to respect it (ruff checks a folder it is given either way).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realcode

CORPORA = ("keras", "transformers", "torch_geometric", "flax", "cleanlab")
AST_PARSE = (
    "import ast, pathlib, sys\n"
    "for p in pathlib.Path(sys.argv[1]).rglob('*.py'):\n"
    "    try: ast.parse(p.read_bytes())\n"
    "    except (SyntaxError, ValueError): pass\n"
)


# Python as users run it keeps compiled bytecode (pip writes it at install); an environment that
# turns that off (PYTHONDONTWRITEBYTECODE) would time the compilation of nanguard at every run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall seconds of `runs` whole processes after one warm-up (the OS file cache)."""
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def findings(command: list[str]) -> str:
    """The JSON report of one run, the file paths in it as the run printed them."""
    return subprocess.run([*command, "--output-format", "json"], check=False, capture_output=True, text=True).stdout


def same_findings(name: str, cold: str, warm: str | None, kept: Path | None) -> str:
    """A word for the table: whether the findings held, against the warm run and the kept ones."""
    problems = []
    if warm is not None and warm != cold:
        problems.append("warm differs")
    if kept is not None:
        known = kept / f"{name}.json"
        if not known.exists():
            kept.mkdir(parents=True, exist_ok=True)
            known.write_text(cold, encoding="utf-8")
        elif known.read_text(encoding="utf-8") != cold:
            problems.append(f"differs from {known}")
    return "; ".join(problems) or "same"


def nanguard_flags() -> list[str]:
    """`--no-cache` where this nanguard has a persistent cache, so the cold figure is cold."""
    helptext = subprocess.run([sys.executable, "-m", "nanguard", "check", "--help"],
                              check=False, capture_output=True, text=True).stdout
    return ["--no-cache"] if "--no-cache" in helptext else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--findings", type=Path, metavar="DIR",
                        help="compare each corpus' findings with those kept here (kept on first sight)")
    parser.add_argument("projects", nargs="*", default=list(CORPORA))
    options = parser.parse_args()
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    nanguard = [sys.executable, "-m", "nanguard", "check", "--exit-zero", "--no-respect-gitignore"]
    flags = nanguard_flags()
    has_cache = bool(flags)
    print(f"{'corpus':18} {'lines':>8} {'nanguard s':>10} {'/ ruff':>7} {'/ ast':>7} "
          f"{'no-jedi s':>9} {'/ ruff':>7}" + ("" if not has_cache else f" {'warm s':>7} {'/ cold':>7}") + "  findings")
    for name in options.projects:
        folder = realcode.ensure(name)
        lines = realcode.python_lines(folder)
        target = str(folder)
        ruff_s = median_seconds([ruff, "check", "--select", "F821", "--no-cache", "--exit-zero", "-q", target], options.runs)
        ast_s = median_seconds([sys.executable, "-c", AST_PARSE, target], options.runs)
        cold = median_seconds([*nanguard, *flags, target], options.runs)
        nojedi = median_seconds([*nanguard, *flags, "--no-jedi", target], options.runs)
        row = (f"{name:18} {lines:>8} {cold:>10.2f} {cold / ruff_s:>7.1f} {cold / ast_s:>7.2f} "
               f"{nojedi:>9.2f} {nojedi / ruff_s:>7.1f}")
        cold_findings, warm_findings = findings([*nanguard, *flags, target]), None
        if has_cache:
            warm = median_seconds([*nanguard, target], options.runs)
            row += f" {warm:>7.2f} {warm / cold:>7.2f}"
            warm_findings = findings([*nanguard, target])
        row += "  " + same_findings(name, cold_findings, warm_findings, options.findings)
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
