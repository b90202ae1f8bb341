"""The `nanguard` command line: `check` files, print a `rule`'s page, or start the language `server`.

Exit codes: 0 nothing found, 1 findings (or, with ``--diff``, fixes to show), 2 a usage error or a
file that could not be analysed. Other files are still checked and reported when one fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator, Sequence

import tree_sitter

from nanguard.engine import analyze, fix_all_with_findings
from nanguard.files import ExcludePattern, FileError, discover, include_pattern, read_source, write_source
from nanguard.model import Finding
from nanguard.notebook import NOTEBOOK_SUFFIX
from nanguard.notebook.check import check_notebook
from nanguard.report import FORMAT_NAMES, FileProblem, PathFinding, Run, printable, render
from nanguard.report.diff import unified_diff
from nanguard.report.progress import ProgressBar
from nanguard.report.text import plural, summary
from nanguard.rules import RULES
from nanguard.settings import Settings, SettingsError, find_pyproject, load_settings, settings_from_mapping
from nanguard.source import new_parser

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PARALLEL_MIN_BYTES = 4 << 20
"""Below about this much source a process pool costs more than it saves: starting workers and
passing results costs ~0.1 s, while one process screens typical ML code at ~20 MiB/s
(bench/bench_check.py), so two workers start to win at a few MiB."""

PROGRESS_MIN_FILES = 500
"""Smaller trees finish before a progress bar would be worth looking at."""


CRASHED = "the analysis process crashed; please report it with this file"


class UsageError(Exception):
    """Bad arguments or configuration: reported in one line, exit code 2, nothing checked."""


# ------------------------------------------------------------------------------------------
# Arguments


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nanguard",
        description="Find log() calls whose argument can reach zero in TensorFlow, PyTorch, NumPy, JAX and Keras code.",
    )
    parser.add_argument("--version", action="version", version=f"nanguard {metadata.version('nanguard')}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check files and folders (default: the current folder)",
        description="Check Python files; folders are searched recursively. Settings come from the nearest "
        "pyproject.toml [tool.nanguard]; options given here override them.",
    )
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or folders (default: .)")
    check.add_argument("--select", type=_comma_list, action="append", metavar="CODES",
                       help="rule codes to check, comma-separated (overrides `select` in the config)")
    check.add_argument("--ignore", type=_comma_list, action="append", metavar="CODES",
                       help="rule codes not to report, comma-separated (overrides `ignore` in the config)")
    check.add_argument("--exclude", type=_comma_list, action="append", metavar="GLOBS",
                       help="paths to skip, comma-separated globs relative to the current folder "
                       "(added to `exclude` in the config)")
    check.add_argument("--include", type=_comma_list, action="append", metavar="GLOBS",
                       help="files that folder searches pick up, comma-separated globs (default: *.py,*.ipynb; "
                       "overrides `include` and `extend-include` in the config)")
    check.add_argument("--epsilon", metavar="NUMBER", help="the constant fixes insert (default 1e-10)")
    check.add_argument("--jedi", action=argparse.BooleanOptionalAction, default=None,
                       help="resolve names re-exported through your own modules with jedi (default: on)")
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                       help="also report logs of values nothing is known about, not only those the code "
                       "shows can reach zero (default: off)")
    modes = check.add_mutually_exclusive_group()
    modes.add_argument("--fix", action="store_true", help="apply the default fix of each finding in place")
    modes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    check.add_argument("--output-format", choices=FORMAT_NAMES, default="text",
                       help="text (default), json, sarif (GitHub code scanning) or github (workflow annotations)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (files that could not be analysed still exit 2)")
    check.add_argument("--jobs", "-j", type=_positive_int, default=None, metavar="N",
                       help="files analysed in parallel (default: the number of CPUs)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text output (default: auto, on a terminal unless NO_COLOR is set)")

    rule = commands.add_parser("rule", help="explain a rule: what, why, an example and its fix",
                               description="Print a rule's page.")
    rule.add_argument("code", nargs="?", help=f"a rule code ({', '.join(RULES)})")
    rule.add_argument("--all", action="store_true", help="print every rule's page")

    commands.add_parser("server", add_help=False, help="run the language server (see `nanguard server --help`)")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    return None if groups is None else [item for group in groups for item in group]


def setting_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The `Settings` keys the options set, each validated with the same rules as the config file."""
    overrides = {
        "select": _flatten(args.select),
        "ignore": _flatten(args.ignore),
        "epsilon": args.epsilon,
        "jedi": args.jedi,
        "strict": args.strict,
    }
    overrides = {key: value for key, value in overrides.items() if value is not None}
    for key, value in overrides.items():
        try:
            settings_from_mapping({key: value})
        except SettingsError as error:
            raise UsageError(f"--{key}: {error}") from None
    return overrides


# ------------------------------------------------------------------------------------------
# Configuration


class Configuration:
    """Settings and exclude globs for each folder: its nearest ``[tool.nanguard]``, options on top.

    Lookups are cached by folder and by pyproject.toml, so a tree of thousands of files reads
    each configuration file once.
    """

    def __init__(
        self, overrides: dict[str, Any], excludes: Sequence[str], working_folder: Path, includes: Sequence[str] | None = None
    ):
        self.overrides = overrides
        self.working_folder = working_folder
        self.option_excludes = tuple(ExcludePattern.parse(working_folder, glob) for glob in excludes)
        self.option_includes = None if includes is None else tuple(include_pattern(working_folder, glob) for glob in includes)
        self._pyprojects: dict[Path, Path | None] = {}
        self._by_pyproject: dict[Path | None, tuple[Settings, tuple[ExcludePattern, ...], tuple[ExcludePattern, ...]]] = {}

    def _lookup(self, folder: Path) -> tuple[Settings, tuple[ExcludePattern, ...], tuple[ExcludePattern, ...]]:
        if folder not in self._pyprojects:
            self._pyprojects[folder] = find_pyproject(folder)
        pyproject = self._pyprojects[folder]
        if pyproject not in self._by_pyproject:
            self._by_pyproject[pyproject] = self._load(pyproject)
        return self._by_pyproject[pyproject]

    def _load(self, pyproject: Path | None) -> tuple[Settings, tuple[ExcludePattern, ...], tuple[ExcludePattern, ...]]:
        if pyproject is None:
            configured = Settings()
        else:
            try:
                configured, _ = load_settings(pyproject.parent)
            except SettingsError as error:
                raise UsageError(str(error)) from None
        settings = settings_from_mapping(self.overrides, configured)
        config_excludes = () if pyproject is None else tuple(
            ExcludePattern.parse(pyproject.parent, glob) for glob in configured.exclude
        )
        includes = self.option_includes
        if includes is None:
            base = self.working_folder if pyproject is None else pyproject.parent
            includes = tuple(include_pattern(base, glob) for glob in configured.included)
        return settings, config_excludes + self.option_excludes, includes

    def settings(self, folder: Path) -> Settings:
        return self._lookup(folder)[0]

    def exclude_patterns(self, folder: Path) -> tuple[ExcludePattern, ...]:
        return self._lookup(folder)[1]

    def include_patterns(self, folder: Path) -> tuple[ExcludePattern, ...]:
        return self._lookup(folder)[2]


# ------------------------------------------------------------------------------------------
# Checking one file (runs in worker processes)


class Mode(str, Enum):
    CHECK = "check"
    FIX = "fix"
    DIFF = "diff"


@dataclass(frozen=True, slots=True)
class FileJob:
    path: str
    display: str
    settings: Settings
    mode: Mode


@dataclass(frozen=True, slots=True)
class FileOutcome:
    display: str
    findings: tuple[Finding, ...] = ()
    problem: str | None = None
    fixes_applied: int = 0
    diff: str = ""
    located: tuple[PathFinding, ...] = ()
    """Findings that carry more than a position in the file: those of notebooks (in cells)."""
    skipped: str | None = None
    """Why a file was deliberately not checked (a notebook in another language); not an error."""


_parser: tuple[int, tree_sitter.Parser] | None = None


def process_parser() -> tree_sitter.Parser:
    """This process's tree-sitter parser: parsers are not shareable, so each worker makes its own."""
    global _parser
    if _parser is None or _parser[0] != os.getpid():
        _parser = (os.getpid(), new_parser())
    return _parser[1]


def check_file(job: FileJob) -> FileOutcome:
    """Read, analyse and (by mode) fix one file; every failure becomes a `problem`, never an exception."""
    try:
        if Path(job.path).suffix.lower() == NOTEBOOK_SUFFIX:
            return check_notebook_file(job)
        return check_python_file(job)
    except RecursionError:
        return FileOutcome(job.display, problem="code nested too deeply to analyse")
    except Exception as error:  # the engine promises not to raise; if it does, lose one file, not the run
        return FileOutcome(
            job.display,
            problem=f"internal error ({type(error).__name__}: {error}); please report it with this file",
        )


def check_python_file(job: FileJob) -> FileOutcome:
    path = Path(job.path)
    parser = process_parser()
    try:
        source = read_source(path)
    except FileError as error:
        return FileOutcome(job.display, problem=str(error))
    if job.mode is Mode.CHECK:
        return FileOutcome(job.display, tuple(analyze(source.text, job.settings, path=path, parser=parser)))
    fixed, count, remaining = fix_all_with_findings(source.text, job.settings, path=path, parser=parser)
    if job.mode is Mode.DIFF:
        return FileOutcome(job.display, fixes_applied=count, diff=unified_diff(job.display, source.text, fixed))
    try:
        written = write_source(source, fixed)
    except FileError as error:  # the file keeps its text, and its findings
        return FileOutcome(job.display, tuple(analyze(source.text, job.settings, path=path, parser=parser)), str(error))
    return FileOutcome(job.display, tuple(remaining), None, count if written else 0)


def check_notebook_file(job: FileJob) -> FileOutcome:
    result = check_notebook(
        Path(job.path), job.display, job.settings,
        fix=job.mode is Mode.FIX, diff=job.mode is Mode.DIFF, parser=process_parser(),
    )
    return FileOutcome(
        job.display, problem=result.problem, fixes_applied=result.fixes_applied, diff=result.diff,
        located=result.findings, skipped=result.skipped,
    )


def check_batch(jobs: Sequence[FileJob]) -> list[FileOutcome]:
    return [check_file(job) for job in jobs]


# ------------------------------------------------------------------------------------------
# Running many files


def default_jobs() -> int:
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _pool_context() -> Any:
    """Fork where it is safe and cheapest (Linux: workers inherit the loaded engine)."""
    import multiprocessing

    return multiprocessing.get_context("fork") if sys.platform == "linux" else multiprocessing.get_context()


def worth_a_pool(jobs: Sequence[FileJob], workers: int) -> bool:
    """Decided before any file is analysed: jedi starts a thread and a subprocess in the process
    that uses it, and a process in that state must not be forked."""
    if workers <= 1 or len(jobs) < 2:
        return False
    total = 0
    for job in jobs:
        try:
            total += os.stat(job.path).st_size
        except OSError:
            continue
        if total >= PARALLEL_MIN_BYTES:
            return True
    return False


def run_jobs(jobs: Sequence[FileJob], workers: int, progress: ProgressBar) -> Iterator[FileOutcome]:
    """Outcomes in completion order; a pool only when there is enough source to pay for it."""
    if not worth_a_pool(jobs, workers):
        for job in jobs:
            yield check_file(job)
            progress.advance()
        return
    batch_size = max(1, min(16, len(jobs) // (workers * 16)))  # small batches: a few slow files balance out
    batches = [jobs[start : start + batch_size] for start in range(0, len(jobs), batch_size)]
    with ProcessPoolExecutor(max_workers=min(workers, len(batches)), mp_context=_pool_context()) as pool:
        pending: dict[Future[list[FileOutcome]], Sequence[FileJob]] = {
            pool.submit(check_batch, batch): batch for batch in batches
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = pending.pop(future)
                    try:
                        outcomes = future.result()
                    except BrokenProcessPool:
                        outcomes = [FileOutcome(job.display, problem=CRASHED) for job in batch]
                    yield from outcomes
                    progress.advance(len(batch))
        finally:
            for future in pending:
                future.cancel()


def display_path(path: Path, working_folder: Path) -> str:
    """`path` relative to the working folder when it is below it, else absolute."""
    try:
        return str(path.relative_to(working_folder))
    except ValueError:
        return str(path)


def wants_color(choice: str, stream: Any) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def check_command(args: argparse.Namespace) -> int:
    working_folder = Path.cwd()
    config = Configuration(setting_overrides(args), _flatten(args.exclude) or [], working_folder, _flatten(args.include))
    mode = Mode.FIX if args.fix else Mode.DIFF if args.diff else Mode.CHECK
    paths, missing = discover([Path(given) for given in args.paths], config.exclude_patterns, config.include_patterns)
    jobs = [
        FileJob(str(path), display_path(path, working_folder), config.settings(path.parent), mode) for path in paths
    ]
    run = Run(files_checked=len(jobs), fix_mode=mode is Mode.FIX)
    run.problems.extend(FileProblem(given, reason) for given, reason in missing)
    if not jobs and not missing:
        print("nanguard: warning: no Python files to check (all excluded, or none there)", file=sys.stderr)
    progress = ProgressBar(len(jobs), sys.stderr, enabled=len(jobs) >= PROGRESS_MIN_FILES and sys.stderr.isatty())
    diffs: list[tuple[str, str]] = []
    skipped: list[FileProblem] = []
    try:
        for outcome in run_jobs(jobs, args.jobs or default_jobs(), progress):
            run.findings.extend(PathFinding(outcome.display, finding) for finding in outcome.findings)
            run.findings.extend(outcome.located)
            if outcome.problem is not None:
                run.problems.append(FileProblem(outcome.display, outcome.problem))
            if outcome.skipped is not None:
                skipped.append(FileProblem(outcome.display, outcome.skipped))
            if outcome.fixes_applied:
                run.fixes_applied += outcome.fixes_applied
                run.files_fixed += 1
            if outcome.diff:
                diffs.append((outcome.display, outcome.diff))
    finally:
        progress.close()
    run.sort()
    for problem in run.problems:
        print(f"{printable(problem.path)}: error: {printable(problem.message)}", file=sys.stderr)
    for note in sorted(skipped, key=lambda note: note.path):
        print(f"{printable(note.path)}: warning: {printable(note.message)}", file=sys.stderr)
    if mode is Mode.DIFF:
        sys.stdout.write("".join(diff for _, diff in sorted(diffs)))
        print(f"Would fix {plural(run.fixes_applied, 'finding')} in {len(diffs)} of {run.files_checked} files.", file=sys.stderr)
        status = EXIT_FINDINGS if diffs and not args.exit_zero else EXIT_CLEAN
    else:
        sys.stdout.write(render(args.output_format, run, color=wants_color(args.color, sys.stdout)))
        if args.output_format != "text" and (run.findings or run.fixes_applied):
            print(summary(run), file=sys.stderr)
        status = EXIT_FINDINGS if run.findings and not args.exit_zero else EXIT_CLEAN
    return EXIT_ERROR if run.problems else status


# ------------------------------------------------------------------------------------------
# Other commands


def rule_command(args: argparse.Namespace) -> int:
    if args.all:
        if args.code:
            raise UsageError("give a rule code or --all, not both")
        sys.stdout.write("\n".join(rule.explanation() for rule in RULES.values()))
        return EXIT_CLEAN
    if not args.code:
        raise UsageError(f"which rule? give a code ({', '.join(RULES)}) or --all")
    rule = RULES.get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r} (known: {', '.join(RULES)})")
    sys.stdout.write(rule.explanation())
    return EXIT_CLEAN


def server_command(argv: list[str]) -> int:
    """Hand everything after `server` to the language server, imported only now (pygls is heavy)."""
    try:
        from nanguard.lsp import main as server_main
    except ImportError as error:
        print(f"nanguard: error: the language server is not available: {error}", file=sys.stderr)
        return EXIT_ERROR
    return server_main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["server"]:
        return server_command(arguments[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_request:  # --help, --version, or a usage error argparse already printed
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_ERROR
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        if args.command == "check":
            return check_command(args)
        if args.command == "rule":
            return rule_command(args)
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    except UsageError as error:
        print(f"nanguard: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("nanguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `nanguard check | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS

