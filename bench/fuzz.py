"""A longer round of the fuzz tests than CI runs, printing the figures: editing sessions against
the real server compared with the command line (tests/lsp/test_differential.py), and mutated
code through --fix (tests/test_fix_properties.py).

    .venv/bin/python bench/fuzz.py [--scale 3]   # about 9 times the CI run: some 5 minutes
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/lsp/test_differential.py", "tests/test_fix_properties.py"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.0, help="sessions, edits and mutants, each times the CI run's")
    args = parser.parse_args()
    environment = {**os.environ, "NANGUARD_FUZZ_SCALE": str(args.scale)}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *TESTS],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith(("differential fuzz:", "fix properties:")) or " passed" in line or " failed" in line:
            print(line)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
    print(f"scale {args.scale:g}: {time.perf_counter() - start:.0f} s")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
