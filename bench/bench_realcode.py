"""Time the whole `nanguard check` process on pinned real releases against ruff and ast.parse.

Why: generated corpora hide jedi, the prefilter and start-up costs; real trees show them. Every
figure is the median wall time of whole processes, and the yardsticks run in the same call, so
the ratios hold on a loaded machine.

    NANGUARD_BENCH_CACHE=... .venv/bin/python bench/bench_realcode.py [-n RUNS] [PROJECT ...]
"""

from __future__ import annotations

import argparse
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


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall seconds of `runs` whole processes after one warm-up (the OS file cache)."""
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def nanguard_flags() -> list[str]:
    """`--no-cache` where this nanguard has a persistent cache, so the cold figure is cold."""
    helptext = subprocess.run([sys.executable, "-m", "nanguard", "check", "--help"],
                              check=False, capture_output=True, text=True).stdout
    return ["--no-cache"] if "--no-cache" in helptext else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("projects", nargs="*", default=list(CORPORA))
    options = parser.parse_args()
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    nanguard = [sys.executable, "-m", "nanguard", "check", "--exit-zero"]
    flags = nanguard_flags()
    has_cache = bool(flags)
    print(f"{'corpus':18} {'lines':>8} {'nanguard s':>10} {'/ ruff':>7} {'/ ast':>7} "
          f"{'no-jedi s':>9} {'/ ruff':>7}" + ("" if not has_cache else f" {'warm s':>7} {'/ cold':>7}"))
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
        if has_cache:
            warm = median_seconds([*nanguard, target], options.runs)
            row += f" {warm:>7.2f} {warm / cold:>7.2f}"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
