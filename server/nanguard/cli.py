"""The `nanguard` command line: `check` files, print a `rule`'s page, or start the language `server`.

Exit codes: 0 nothing found, 1 findings (or, with ``--diff``, fixes to show), 2 a usage error or a
file that could not be analysed. Other files are still checked and reported when one fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import Enum
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TextIO, TypeVar

from nanguard.cache import DEFAULT_FOLDER as DEFAULT_CACHE_FOLDER
from nanguard.cache import UNKNOWN, ResultCache
from nanguard.dependencies import Resolution, Stamp, Stamps, stamp, stamp_of
from nanguard.files import (
    NOTEBOOK_SUFFIX,
    ExcludePattern,
    FileError,
    SourceFile,
    decode_source,
    discover,
    include_pattern,
    read_file,
    decoded_source,
    with_per_file_ignores,
    write_source,
)
from nanguard.gitignore import GitIgnore, GitIgnored
from nanguard.model import Finding, FixKind
from nanguard.report import FORMAT_NAMES, FileNote, FileProblem, PathFinding, Run, printable, render
from nanguard.report.progress import ProgressBar
from nanguard.report.text import fixed_listing, plural, statistics, summary
from nanguard.rules import RULES, may_find
from nanguard.settings import (
    FIX_KINDS,
    Settings,
    SettingsError,
    read_pyproject_table,
    settings_from_mapping,
    toml,
)
from nanguard.version import VERSION

if TYPE_CHECKING:  # what a run may not need is imported where it is used (start-up time)
    import tree_sitter

    from nanguard.notebook.check import NotebookResult
    from nanguard.syntax import SyntaxProblem

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PARALLEL_MIN_BYTES = 8 << 20
"""Below about this much source to analyse (what screening leaves: files that may have
findings) a process pool costs more than it saves. One process analyses such files at 1-5 MB/s
(bench/bench_realcode.py); starting workers, and sharing two cores with everything else on the
machine, costs about as much as the second worker saves until the work takes a few seconds:
on two cores, keras' 1.2 MB of it ran 1.2x slower pooled, transformers' 13 MB only 5% faster."""


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
    parser.add_argument("--version", action="version", version=f"nanguard {VERSION}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check files and folders (default: the current folder)",
        description="Check Python files; folders are searched recursively. Settings come from the nearest "
        "pyproject.toml [tool.nanguard]; options given here override them.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or folders (default: .); `-` reads one file from standard input")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="the path of the file read from standard input: its configuration applies, "
                       "and reports name it (reads standard input when no PATH is given)")
    check.add_argument("--select", type=_comma_list, action="append", metavar="CODES",
                       help="rule codes to check, comma-separated (overrides `select` in the config)")
    check.add_argument("--ignore", type=_comma_list, action="append", metavar="CODES",
                       help="rule codes not to report, comma-separated (overrides `ignore` in the config)")
    check.add_argument("--extend-select", type=_comma_list, action="append", metavar="CODES",
                       help="rule codes to check on top of the selected ones, e.g. NG100")
    check.add_argument("--exclude", "--extend-exclude", dest="exclude", type=_comma_list, action="append", metavar="GLOBS",
                       help="paths to skip, comma-separated globs relative to the current folder "
                       "(added to `exclude` in the config)")
    check.add_argument("--respect-gitignore", action=argparse.BooleanOptionalAction, default=None,
                       help="skip what .gitignore files ignore when searching folders (default: on)")
    check.add_argument("--config", action="append", metavar="PATH|KEY=VALUE",
                       help="a TOML file to take every setting from instead of the nearest pyproject.toml "
                       "(its [tool.nanguard], or the whole file when it is not a pyproject.toml), "
                       "or one setting in TOML, such as 'epsilon = 1e-8'")
    check.add_argument("--include", type=_comma_list, action="append", metavar="GLOBS",
                       help="files that folder searches pick up, comma-separated globs (default: *.py,*.ipynb; "
                       "overrides `include` and `extend-include` in the config)")
    check.add_argument("--epsilon", metavar="NUMBER", help="the constant fixes insert (default 1e-10)")
    check.add_argument("--fix-kind", choices=FIX_KINDS, metavar="KIND",
                       help="the fix to prefer where several apply: clip (default), epsilon or stable "
                       "(log_softmax/log_sigmoid); --fix applies it and editors mark it preferred")
    check.add_argument("--jedi", action=argparse.BooleanOptionalAction, default=None,
                       help="resolve names re-exported through your own modules with jedi (default: on)")
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                       help="also report logs of values nothing is known about, not only those the code "
                       "shows can reach zero (default: off)")
    modes = check.add_mutually_exclusive_group()
    modes.add_argument("--fix", action="store_true", help="apply the default fix of each finding in place")
    modes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    modes.add_argument("--add-noqa", action="store_true",
                       help="append `# noqa: CODE` to the line of every finding, so that none is reported")
    check.add_argument("--output-format", choices=FORMAT_NAMES, default="text",
                       help="text (default; concise is the same), json, sarif (GitHub code scanning) "
                       "or github (workflow annotations)")
    check.add_argument("--statistics", action="store_true",
                       help="print how many findings each rule has instead of the findings")
    check.add_argument("--show-fixes", action="store_true",
                       help="with --fix, list what was fixed in each file; otherwise show each finding's fix")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="print the findings and nothing else: no summary, no warnings")
    check.add_argument("--watch", action="store_true",
                       help="check again whenever a checked file (or a configuration file) changes")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (files that could not be analysed still exit 2)")
    check.add_argument("--no-cache", action="store_true",
                       help="analyse every file, without reading or writing the cache of earlier runs")
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


OPTION_NAMES = {"fix": "fix-kind"}
"""Options named differently from the setting they set."""


def inline_settings(configs: Sequence[str]) -> dict[str, Any]:
    """The settings given as ``--config 'KEY = VALUE'`` (TOML), as ruff takes them."""
    settings: dict[str, Any] = {}
    for given in configs:
        if "=" not in given:
            continue
        tomllib = toml()
        try:
            settings.update(tomllib.loads(given))
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"--config {given!r} is neither a file nor a TOML setting such as 'epsilon = 1e-8': {error}") from None
    return settings


def config_file(configs: Sequence[str]) -> Path | None:
    """The one configuration file --config names, if any."""
    files = [Path(given) for given in configs if "=" not in given]
    if len(files) > 1:
        raise UsageError("--config names more than one file")
    if files and not files[0].is_file():
        raise UsageError(f"--config {files[0]}: no such file")
    return files[0].absolute() if files else None


def setting_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The `Settings` keys the options set, each validated with the same rules as the config file."""
    options = {
        "select": _flatten(args.select),
        "extend-select": _flatten(args.extend_select),
        "ignore": _flatten(args.ignore),
        "respect-gitignore": args.respect_gitignore,
        "epsilon": args.epsilon,
        "jedi": args.jedi,
        "strict": args.strict,
        "fix": args.fix_kind,
    }
    options = {key: value for key, value in options.items() if value is not None}
    inline = inline_settings(args.config or [])
    for key, value in (*inline.items(), *options.items()):
        try:
            settings_from_mapping({key: value})
        except SettingsError as error:
            option = f"--{OPTION_NAMES.get(key, key)}" if key in options else "--config"
            raise UsageError(f"{option}: {error}") from None
    return {**inline, **options}


# ------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True, slots=True)
class FolderConfiguration:
    """What applies to the entries of a folder: settings, and which files a search picks up."""

    settings: Settings
    excludes: tuple[ExcludePattern | GitIgnored, ...]
    includes: tuple[ExcludePattern, ...]
    base: Path
    """The folder its globs are relative to: the configuration file's, else the working folder."""


class Configuration:
    """Settings and exclude globs for each folder: its nearest ``[tool.nanguard]`` (or the one
    file --config names), options on top, and what .gitignore files ignore.

    Lookups are cached by folder and by configuration file, so a tree of thousands of files
    reads each configuration file once.
    """

    def __init__(
        self,
        overrides: dict[str, Any],
        excludes: Sequence[str],
        working_folder: Path,
        includes: Sequence[str] | None = None,
        config_file: Path | None = None,
    ):
        self.overrides = overrides
        self.working_folder = working_folder
        self.config_file = config_file
        self.option_excludes = tuple(ExcludePattern.parse(working_folder, glob) for glob in excludes)
        self.option_includes = None if includes is None else tuple(include_pattern(working_folder, glob) for glob in includes)
        self.gitignore = GitIgnore()
        self._pyprojects: dict[Path, Path | None] = {}
        self._by_pyproject: dict[Path | None, FolderConfiguration] = {}
        self._excludes: dict[Path, tuple[ExcludePattern | GitIgnored, ...]] = {}

    def _lookup(self, folder: Path) -> FolderConfiguration:
        pyproject = self.config_file or self._nearest_pyproject(folder)
        if pyproject not in self._by_pyproject:
            self._by_pyproject[pyproject] = self._load(pyproject)
        return self._by_pyproject[pyproject]

    def _nearest_pyproject(self, folder: Path) -> Path | None:
        """`find_pyproject` of `folder`, each folder of a tree looked at once: a folder without
        one has its parent's (asking every folder up to the root costs a tree of 2,600 entries
        a tenth of a second)."""
        pending: list[Path] = []
        found: Path | None = None
        while folder not in self._pyprojects:
            pending.append(folder)
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                found = candidate
                break
            if folder.parent == folder:
                break
            folder = folder.parent
        else:
            found = self._pyprojects[folder]
        for seen in pending:
            self._pyprojects[seen] = found
        return found

    def _load(self, pyproject: Path | None) -> FolderConfiguration:
        try:
            configured = Settings() if pyproject is None else settings_from_mapping(read_pyproject_table(pyproject))
            settings = settings_from_mapping(self.overrides, configured)
        except SettingsError as error:
            message = str(error)
            raise UsageError(message if pyproject is None or message.startswith(str(pyproject)) else f"{pyproject}: {message}") from None
        if "extend-select" in self.overrides:  # the option adds to the configuration's, as in ruff
            settings = replace(settings, extend_select=settings.extend_select | configured.extend_select)
        base = self.working_folder if pyproject is None else pyproject.parent
        config_excludes = tuple(ExcludePattern.parse(base, glob) for glob in configured.excluded) if pyproject else ()
        includes = self.option_includes
        if includes is None:
            includes = tuple(include_pattern(base, glob) for glob in configured.included)
        return FolderConfiguration(settings, config_excludes + self.option_excludes, includes, base)

    def cache_folder(self) -> Path:
        """Where results are kept between runs: the working folder's configuration says."""
        found = self._lookup(self.working_folder)
        return found.base / (found.settings.cache_dir or DEFAULT_CACHE_FOLDER)

    def settings(self, path: Path) -> Settings:
        """The settings of the file `path`, its `per-file-ignores` applied."""
        found = self._lookup(path.parent)
        return with_per_file_ignores(found.settings, path, found.base)

    @property
    def files(self) -> set[Path]:
        """The configuration files looked up so far."""
        return {pyproject for pyproject in self._pyprojects.values() if pyproject is not None}

    def exclude_patterns(self, folder: Path) -> tuple[ExcludePattern | GitIgnored, ...]:
        patterns = self._excludes.get(folder)
        if patterns is None:
            found = self._lookup(folder)
            patterns = found.excludes
            if found.settings.respect_gitignore:
                ignored = self.gitignore.matcher(folder)
                patterns = (*patterns, ignored) if ignored.rules else patterns
            self._excludes[folder] = patterns
        return patterns

    def include_patterns(self, folder: Path) -> tuple[ExcludePattern, ...]:
        return self._lookup(folder).includes


# ------------------------------------------------------------------------------------------
# Checking one file (runs in worker processes)


class Mode(str, Enum):
    CHECK = "check"
    FIX = "fix"
    DIFF = "diff"
    ADD_NOQA = "add-noqa"

    @property
    def fixes(self) -> bool:
        return self is not Mode.CHECK

    @property
    def writes(self) -> bool:
        return self in (Mode.FIX, Mode.ADD_NOQA)


@dataclass(frozen=True, slots=True)
class FileJob:
    path: str
    display: str
    settings: Settings
    mode: Mode
    show_fixes: bool = False


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
    syntax: SyntaxProblem | None = None
    """The first syntax error of a file whose code the engine read."""
    syntax_cell: int | None = None
    """For a notebook: the cell `syntax` is in (its position counts within the cell)."""
    fixed_codes: tuple[tuple[str, int], ...] = ()
    """(rule code, how many of its findings were fixed), for --show-fixes."""
    depends: frozenset[Stamp] | None = None
    """The other files the findings depend on (names settled from them), for the cache; None
    when the outcome is not to be kept."""


_parser: tuple[int, tree_sitter.Parser] | None = None


def process_parser() -> tree_sitter.Parser:
    """This process's tree-sitter parser: parsers are not shareable, so each worker makes its own."""
    from nanguard.source import new_parser

    global _parser
    if _parser is None or _parser[0] != os.getpid():
        _parser = (os.getpid(), new_parser())
    return _parser[1]


def check_file(job: FileJob, source: SourceFile | None = None) -> FileOutcome:
    """Read (unless `source` is its text, read already), analyse and (by mode) fix one file;
    every failure becomes a `problem`, never an exception."""
    if Path(job.path).suffix.lower() == NOTEBOOK_SUFFIX:
        return guarded(job, check_notebook_file)
    return guarded(job, lambda job: check_python_file(job, source))


_T = TypeVar("_T")


def guarded(job: FileJob, work: Callable[[FileJob], _T]) -> _T | FileOutcome:
    """`work(job)`, or the outcome saying why it failed."""
    try:
        return work(job)
    except RecursionError:
        return FileOutcome(job.display, problem="code nested too deeply to analyse")
    except Exception as error:  # the engine promises not to raise; if it does, lose one file, not the run
        return FileOutcome(
            job.display,
            problem=f"internal error ({type(error).__name__}: {error}); please report it with this file",
        )


@dataclass(frozen=True, slots=True)
class ReadFile:
    """A Python file read and decoded, before any analysis."""

    source: SourceFile
    data: bytes
    status: os.stat_result
    """The file's status when it was read."""


def read_python(job: FileJob) -> ReadFile | FileOutcome:
    """The file of `job` read, or its outcome when it cannot be read (an undecodable file is
    reported, logs or not)."""
    path = Path(job.path)
    try:
        data, status = read_file(path)
        source = decoded_source(path, data, status)
    except FileError as error:
        return FileOutcome(job.display, problem=str(error))
    return ReadFile(source, data, status)


def nothing_to_find(job: FileJob, read: ReadFile) -> FileOutcome | None:
    """The outcome of a file no enabled rule can find anything in, so nothing needs fixing
    either (most files of a tree: they cost a read and a byte search); None for the others."""
    if may_find(read.data, job.settings):
        return None
    return FileOutcome(job.display, depends=None if job.mode.fixes else frozenset())


def check_python_file(job: FileJob, source: SourceFile | None = None) -> FileOutcome:
    from nanguard.engine import analyze

    if source is None:
        read = read_python(job)
        if isinstance(read, FileOutcome):
            return read
        skipped = nothing_to_find(job, read)
        if skipped is not None:
            return skipped
        source = read.source
    path = source.path
    outcome, fixed = check_python_text(job, source.text)
    if not job.mode.writes:
        return outcome
    try:
        written = write_source(source, fixed)
    except FileError as error:  # the file keeps its text, and its findings
        findings = analyze(source.text, job.settings, path=path, parser=process_parser())
        return FileOutcome(job.display, tuple(findings), str(error), syntax=outcome.syntax)
    return outcome if written else replace(outcome, fixes_applied=0, fixed_codes=())


def check_python_text(job: FileJob, text: str) -> tuple[FileOutcome, str]:
    """The outcome for Python `text` of the file `job` names, and its fixed text (by mode)."""
    from nanguard.engine import analyze, fix_all_with_findings
    from nanguard.syntax import FirstTree

    path = Path(job.path)
    parser = FirstTree(process_parser())
    if not job.mode.fixes:
        resolution = Resolution()
        findings = tuple(analyze(text, job.settings, path=path, parser=parser, resolution=resolution))  # type: ignore[arg-type]
        depends = frozenset(resolution.stamps) if resolution.complete else None
        return FileOutcome(job.display, findings, syntax=parser.syntax_error(text), depends=depends), text
    before = analyze(text, job.settings, path=path, parser=parser) if job.show_fixes else []  # type: ignore[arg-type]
    fixed, count, remaining = fix_all_with_findings(text, job.settings, path=path, parser=parser)  # type: ignore[arg-type]
    syntax = parser.syntax_error(text)
    if job.mode is Mode.DIFF:
        from nanguard.report.diff import unified_diff

        return FileOutcome(job.display, fixes_applied=count, diff=unified_diff(job.display, text, fixed), syntax=syntax), fixed
    fixed_codes = _fixed_codes(before, remaining) if count else ()
    return FileOutcome(job.display, tuple(remaining), None, count, syntax=syntax, fixed_codes=fixed_codes), fixed


def _fixed_codes(before: Sequence[Finding], after: Sequence[Finding]) -> tuple[tuple[str, int], ...]:
    """How many findings of each rule went away."""
    gone = Counter(finding.code for finding in before)
    gone.subtract(finding.code for finding in after)
    return tuple(sorted((code, count) for code, count in gone.items() if count > 0))


def check_notebook_file(job: FileJob) -> FileOutcome:
    from nanguard.notebook.check import check_notebook

    path, parser = Path(job.path), process_parser()
    if not job.mode.fixes:
        resolution = Resolution()
        result = check_notebook(path, job.display, job.settings, parser=parser, resolution=resolution)
        return notebook_outcome(job, result, depends=frozenset(resolution.stamps) if resolution.complete else None)
    before = check_notebook(path, job.display, job.settings, parser=parser) if job.show_fixes and job.mode.writes else None
    result = check_notebook(path, job.display, job.settings, fix=job.mode.writes, diff=job.mode is Mode.DIFF, parser=parser)
    return notebook_outcome(job, result, before)


def notebook_outcome(
    job: FileJob, result: NotebookResult, before: NotebookResult | None = None, depends: frozenset[Stamp] | None = None
) -> FileOutcome:
    """`result` as a file's outcome; `before`, the findings before fixing, for --show-fixes;
    `depends`, as `FileOutcome.depends`."""
    fixed_codes = (
        _fixed_codes([item.finding for item in before.findings], [item.finding for item in result.findings])
        if before is not None and result.fixes_applied
        else ()
    )
    return FileOutcome(
        job.display, problem=result.problem, fixes_applied=result.fixes_applied, diff=result.diff,
        located=result.findings, skipped=result.skipped,
        syntax=result.syntax[1] if result.syntax else None, syntax_cell=result.syntax[0] if result.syntax else None,
        fixed_codes=fixed_codes, depends=depends,
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


@dataclass(slots=True)
class Screening:
    """What reading every file told before any analysis."""

    known: list[FileOutcome] = field(default_factory=list)
    """Outcomes that need no analysis: unreadable files, files no enabled rule can find
    anything in, and those the cache holds."""
    work: list[FileJob] = field(default_factory=list)
    """The files to analyse."""
    sources: dict[str, SourceFile] = field(default_factory=dict)
    """The texts of `work`'s Python files as read, by path, so that one process reads each once."""
    keys: dict[str, tuple[str, FileJob, os.stat_result]] = field(default_factory=dict)
    """By display path: the cache key of a file whose outcome the cache may keep, its job, and
    the file's status when it was read."""
    work_bytes: int = 0
    """The size of `work`: what a process pool would share out."""


def screen(jobs: Iterable[FileJob], cache: ResultCache | None, progress: ProgressBar | None = None) -> Screening:
    """Each file read once and sorted into outcomes known without analysis and work to do.
    A file the cache's index vouches for is not read at all; of the others, the cache is asked
    only about those that could have findings (for the rest a byte search is cheaper than a
    lookup). Python files checked without fixing are kept in it; a file fixing would not change
    (it has no findings) is taken from it with any mode."""
    screening = Screening()
    stamps = Stamps()
    for job in jobs:
        usable_cache = cache if cache is not None and not (job.show_fixes and job.mode.fixes) else None
        indexed = usable_cache.known(job.path, job.settings, stamps) if usable_cache is not None else UNKNOWN
        outcome = _expanded(indexed, job) if indexed is not UNKNOWN else None
        if not _usable(outcome, job):
            notebook = job.path.lower().endswith(NOTEBOOK_SUFFIX)
            outcome = (_screen_notebook if notebook else _screen_read)(job, usable_cache, stamps, screening)
        if outcome is not None:
            screening.known.append(outcome)
            if progress is not None:
                progress.advance()
    return screening


def _compact(outcome: FileOutcome) -> FileOutcome | None:
    """`outcome` as the cache's index keeps it: None for one with nothing to say (most files),
    which costs the index a byte instead of an object to read back."""
    return None if replace(outcome, depends=None) == FileOutcome(outcome.display) else outcome


def _expanded(indexed: FileOutcome | None, job: FileJob) -> FileOutcome:
    """The outcome `_compact` kept, for `job`'s file as this run names it."""
    return FileOutcome(job.display) if indexed is None else _renamed(indexed, job.display)


def _renamed(outcome: FileOutcome, display: str) -> FileOutcome:
    """A kept outcome for its file as this run names it (another working folder names it
    otherwise), the findings in a notebook's cells included."""
    located = tuple(replace(item, path=display) for item in outcome.located)
    return replace(outcome, display=display, located=located)


def _usable(outcome: Any, job: FileJob) -> bool:
    """Whether a cached (check-mode) outcome answers `job`: any mode's, when it has no findings."""
    return isinstance(outcome, FileOutcome) and (not job.mode.fixes or not (outcome.findings or outcome.located))


def _screen_read(job: FileJob, cache: ResultCache | None, stamps: Stamps, screening: Screening) -> FileOutcome | None:
    """`screen` of a file the index did not vouch for: its outcome when known after reading it,
    else None with the file added to the screening's work."""
    read = guarded(job, read_python)
    if isinstance(read, FileOutcome):
        return read
    skipped = guarded(job, lambda job: nothing_to_find(job, read))
    if skipped is not None:
        if cache is not None:
            cache.remember(job.path, read.status, job.settings, None, frozenset())
        return skipped
    kept = _kept(job, cache, stamps, screening, read.data, read.status)
    if kept is not None:
        return kept
    screening.work.append(job)
    screening.sources[job.path] = read.source
    screening.work_bytes += len(read.data)
    return None


def _screen_notebook(job: FileJob, cache: ResultCache | None, stamps: Stamps, screening: Screening) -> FileOutcome | None:
    """`_screen_read` of a notebook: looked up by its bytes, which only its analysis decodes
    (and reports on, when they are not a notebook)."""
    try:
        data, status = read_file(Path(job.path))
    except FileError:
        data, status = b"", None
    kept = _kept(job, cache, stamps, screening, data, status) if status is not None else None
    if kept is not None:
        return kept
    screening.work.append(job)
    screening.work_bytes += len(data)
    return None


def _kept(
    job: FileJob, cache: ResultCache | None, stamps: Stamps, screening: Screening, data: bytes, status: os.stat_result
) -> FileOutcome | None:
    """The outcome the cache keeps for the file of `job` as read (`data`, `status`), indexed
    again; else None, with the key noted for keeping the outcome its analysis gives."""
    if cache is None:
        return None
    key = cache.key(Path(job.path), data, job.settings, Mode.CHECK.value)
    outcome = cache.get(key, stamps)
    if _usable(outcome, job):
        cache.remember(job.path, status, job.settings, _compact(outcome), outcome.depends)
        return _renamed(outcome, job.display)
    if not job.mode.fixes:
        screening.keys[job.display] = (key, job, status)
    return None


def worth_a_pool(work_bytes: int, files: int, workers: int) -> bool:
    """Whether `files` to analyse, `work_bytes` in all, earn a pool of `workers`: judged from
    what screening left, not the tree's size (most files of a tree need no parse). Decided
    before any file is analysed: jedi starts a thread and a subprocess in the process that
    uses it, and a process in that state must not be forked."""
    return workers > 1 and files >= 2 and work_bytes >= PARALLEL_MIN_BYTES


def run_jobs(screening: Screening, workers: int, progress: ProgressBar) -> Iterator[FileOutcome]:
    """Outcomes of the screening's work in completion order; a pool only when it pays."""
    jobs = screening.work
    if not worth_a_pool(screening.work_bytes, len(jobs), workers):
        for job in jobs:
            yield check_file(job, screening.sources.get(job.path))
            progress.advance()
        return
    screening.sources.clear()  # workers read their files themselves: cheaper than sending texts
    yield from _pooled(jobs, workers, progress)


def _pooled(jobs: Sequence[FileJob], workers: int, progress: ProgressBar) -> Iterator[FileOutcome]:
    """`run_jobs` in a pool of `workers` processes, fed small batches."""
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

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


def stored_outcomes(
    cache: ResultCache | None, keys: dict[str, tuple[str, FileJob, os.stat_result]], outcomes: Iterable[FileOutcome]
) -> Iterator[FileOutcome]:
    """`outcomes`, each kept in the cache on the way when its file did not change meanwhile."""
    for outcome in outcomes:
        found = keys.get(outcome.display)
        if cache is not None and found is not None and outcome.problem is None:
            key, job, status = found
            if stamp(job.path) == stamp_of(job.path, status):
                cache.put(key, outcome, outcome.depends)
                cache.remember(job.path, status, job.settings, _compact(outcome), outcome.depends)
        yield outcome


def display_path(path: Path, working_folder: Path) -> str:
    """`path` relative to the working folder when it is below it, else absolute. The common case
    is a cut of the text: `relative_to` costs a tree of thousands of files tens of milliseconds."""
    text, folder = str(path), str(working_folder)
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    if text.startswith(prefix) and len(text) > len(prefix):
        return text[len(prefix):]
    try:
        return str(path.relative_to(working_folder))
    except ValueError:
        return text


def wants_color(choice: str, stream: Any) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


STDIN = "-"


def job_settings(settings: Settings, mode: Mode) -> Settings:
    """With --add-noqa the noqa fix is the one applied, to every finding but an unused noqa."""
    if mode is not Mode.ADD_NOQA:
        return settings
    from nanguard.suppression import UNUSED_NOQA

    return replace(settings, fix=FixKind.NOQA.value, ignore=settings.ignore | {UNUSED_NOQA})


def check_command(args: argparse.Namespace) -> int:
    if args.watch:
        return watch_command(args)
    return run_check(args)


def reads_stdin(args: argparse.Namespace) -> bool:
    if STDIN in args.paths and len(args.paths) > 1:
        raise UsageError("`-` (standard input) cannot be checked together with other paths")
    return args.paths == [STDIN] or (not args.paths and args.stdin_filename is not None)


def new_configuration(args: argparse.Namespace, working_folder: Path) -> Configuration:
    return Configuration(
        setting_overrides(args), _flatten(args.exclude) or [], working_folder, _flatten(args.include),
        config_file(args.config or []),
    )


def mode_of(args: argparse.Namespace) -> Mode:
    return Mode.FIX if args.fix else Mode.DIFF if args.diff else Mode.ADD_NOQA if args.add_noqa else Mode.CHECK


def discover_files(args: argparse.Namespace, config: Configuration) -> tuple[list[Path], list[tuple[str, str]]]:
    return discover([Path(given) for given in args.paths or ["."]], config.exclude_patterns, config.include_patterns)


def run_check(args: argparse.Namespace) -> int:
    """One check of what the arguments name, reported; the exit status."""
    working_folder = Path.cwd()
    config = new_configuration(args, working_folder)
    mode = mode_of(args)
    run = Run(fix_mode=mode.writes)
    skipped: list[FileProblem] = []
    diffs: list[tuple[str, str]] = []
    fixed: dict[str, dict[str, int]] = {}
    cache: ResultCache | None = None
    stdin = reads_stdin(args)
    if stdin:
        outcome, fixed_text = check_stdin(args, config, mode, working_folder)
        outcomes: Iterable[FileOutcome] = [outcome]
        run.files_checked = 1
        progress = ProgressBar(0, sys.stderr, enabled=False)
    else:
        paths, missing = discover_files(args, config)
        jobs = [
            FileJob(str(path), display_path(path, working_folder), job_settings(config.settings(path), mode),
                    mode, args.show_fixes)
            for path in paths
        ]
        run.files_checked = len(jobs)
        run.problems.extend(FileProblem(given, reason) for given, reason in missing)
        if not jobs and not missing and not args.quiet:
            print("nanguard: warning: no Python files to check (all excluded, or none there)", file=sys.stderr)
        cache = None if args.no_cache else ResultCache(config.cache_folder())
        progress = ProgressBar(len(jobs), sys.stderr, enabled=len(jobs) >= PROGRESS_MIN_FILES and sys.stderr.isatty())
        screening = screen(jobs, cache, progress)
        outcomes = chain(screening.known, stored_outcomes(cache, screening.keys, run_jobs(screening, args.jobs or default_jobs(), progress)))
    try:
        for outcome in outcomes:
            run.findings.extend(PathFinding(outcome.display, finding) for finding in outcome.findings)
            run.findings.extend(outcome.located)
            if outcome.problem is not None:
                run.problems.append(FileProblem(outcome.display, outcome.problem))
            if outcome.skipped is not None:
                skipped.append(FileProblem(outcome.display, outcome.skipped))
            if outcome.syntax is not None:
                from nanguard.syntax import describe

                run.notes.append(FileNote(outcome.display, outcome.syntax.position, describe(outcome.syntax), outcome.syntax_cell))
            if outcome.fixes_applied:
                run.fixes_applied += outcome.fixes_applied
                run.files_fixed += 1
                fixed[outcome.display] = dict(outcome.fixed_codes)
            if outcome.diff:
                diffs.append((outcome.display, outcome.diff))
    finally:
        progress.close()
    if cache is not None:
        cache.save()
    run.sort()
    if stdin and mode.writes and fixed_text is not None:
        sys.stdout.write(fixed_text)  # the fixed file; reports go to stderr, as with ruff
    return report(args, run, mode, diffs, skipped, fixed, sys.stderr if stdin and mode.writes else sys.stdout)


def report(
    args: argparse.Namespace,
    run: Run,
    mode: Mode,
    diffs: list[tuple[str, str]],
    skipped: list[FileProblem],
    fixed: dict[str, dict[str, int]],
    out: TextIO,
) -> int:
    """Print `run` as the options ask, on `out` (stderr for messages); the exit status."""
    for problem in run.problems:
        print(f"{printable(problem.path)}: error: {printable(problem.message)}", file=sys.stderr)
    if not args.quiet:
        for note in sorted(skipped, key=lambda note: note.path):
            print(f"{printable(note.path)}: warning: {printable(note.message)}", file=sys.stderr)
    status = EXIT_FINDINGS if run.findings and not args.exit_zero else EXIT_CLEAN
    if mode is Mode.DIFF:
        out.write("".join(diff for _, diff in sorted(diffs)))
        if not args.quiet:
            print(f"Would fix {plural(run.fixes_applied, 'finding')} in {len(diffs)} of {run.files_checked} files.", file=sys.stderr)
        status = EXIT_FINDINGS if diffs and not args.exit_zero else EXIT_CLEAN
    elif mode is Mode.ADD_NOQA:
        if not args.quiet:
            print(f"Added {plural(run.fixes_applied, 'noqa directive')}.", file=sys.stderr)
        status = EXIT_CLEAN
    elif args.statistics:
        out.write(statistics(run))
    else:
        if args.show_fixes and mode is Mode.FIX:
            out.write(fixed_listing(fixed))
        color = wants_color(args.color, out)
        out.write(render(args.output_format, run, color=color, quiet=args.quiet, show_fixes=args.show_fixes and mode is Mode.CHECK))
        if args.output_format not in ("text", "concise") and (run.findings or run.fixes_applied) and not args.quiet:
            print(summary(run), file=sys.stderr)
    return EXIT_ERROR if run.problems else status


def check_stdin(
    args: argparse.Namespace, config: Configuration, mode: Mode, working_folder: Path
) -> tuple[FileOutcome, str | None]:
    """Standard input, checked as the file --stdin-filename names (its configuration applies);
    the fixed text too in the modes that write."""
    named = Path(args.stdin_filename).absolute() if args.stdin_filename else working_folder / STDIN
    display = display_path(named, working_folder) if args.stdin_filename else STDIN
    job = FileJob(str(named), display, job_settings(config.settings(named), mode), mode, args.show_fixes)
    data = sys.stdin.buffer.read()
    if named.suffix.lower() == NOTEBOOK_SUFFIX:
        from nanguard.notebook.check import check_notebook_text
        from nanguard.notebook.ipynb import NotebookError
        from nanguard.notebook.ipynb import decode as decode_notebook

        try:
            text, _ = decode_notebook(data)
        except NotebookError as error:
            return FileOutcome(display, problem=str(error)), None
        result, fixed = check_notebook_text(
            text, named, display, job.settings, fix=mode.writes, diff=mode is Mode.DIFF, parser=process_parser()
        )
        return notebook_outcome(job, result), fixed
    try:
        text, _ = decode_source(data)
    except FileError as error:
        return FileOutcome(display, problem=str(error)), None
    return check_python_text(job, text)


def watch_command(args: argparse.Namespace) -> int:
    """Check, then check again on every change, until interrupted (Ctrl-C: exit 130)."""
    if reads_stdin(args):
        raise UsageError("--watch checks files again when they change; it cannot read standard input")
    while True:
        print(f"[{time.strftime('%H:%M:%S')}] Checking...", file=sys.stderr, flush=True)
        try:
            run_check(args)
        except UsageError as error:
            print(f"nanguard: error: {error}", file=sys.stderr)
        sys.stdout.flush()
        print(f"[{time.strftime('%H:%M:%S')}] Watching for file changes.", file=sys.stderr, flush=True)
        from nanguard.watch import wait_for_change

        wait_for_change(lambda: watched_files(args))


def watched_files(args: argparse.Namespace) -> set[Path]:
    """The files whose change means checking again: what the arguments name and their configuration."""
    config = new_configuration(args, Path.cwd())
    try:
        paths, _ = discover_files(args, config)
    except UsageError:
        paths = []
    return {*paths, *config.files}


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

