"""Puts the nanguard server and everything it imports into bundled/, for the .vsix.

The extension then runs the server with any Python >= 3.10 and nothing pip-installed: it puts
bundled/libs (nanguard and its pure-Python dependencies) and bundled/native/<platform> (the
compiled tree-sitter wheels for that platform, every supported CPython version side by side; their
extension modules have version-tagged file names) on PYTHONPATH. bundled/manifest.json says which
platforms and versions are there; the extension reads it to explain an unsupported interpreter.

Needs pip and PyPI at build time only. Versions are pinned by bundle-constraints.txt.
Usage: python3 scripts/bundle_python.py [--platforms host|all] (default all).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # every pip carries a copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

CLIENT = Path(__file__).resolve().parent.parent
REPOSITORY = CLIENT.parent
BUNDLED = CLIENT / "bundled"
CONSTRAINTS = CLIENT / "scripts" / "bundle-constraints.txt"

PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
"""CPython versions whose compiled wheels are bundled; the oldest also decides the resolution, so
backports such as tomli and exceptiongroup are included (they are unused on newer versions)."""

PLATFORMS = {
    "linux-x86_64": "manylinux2014_x86_64",
    "linux-aarch64": "manylinux2014_aarch64",
    "darwin-x86_64": "macosx_11_0_x86_64",
    "darwin-arm64": "macosx_11_0_arm64",
    "win32-amd64": "win_amd64",
}
"""Folder name under bundled/native/ (what the extension derives from `sys.platform` and
`platform.machine()`) -> the wheel platform tag pip downloads for it."""


def pip(*arguments: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--quiet",
            *arguments,
        ],
        check=True,
    )


def target_options(platform_tag: str, python_version: str) -> list[str]:
    return [
        "--only-binary=:all:",
        "--platform",
        platform_tag,
        "--python-version",
        python_version,
        "--implementation",
        "cp",
    ]


def host_platform() -> str:
    """The bundled/native folder for the interpreter running this script."""
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    key = {
        "linux": f"linux-{arch}",
        "darwin": f"darwin-{'arm64' if arch == 'aarch64' else arch}",
        "win32": f"win32-{'amd64' if arch == 'x86_64' else arch}",
    }.get(sys.platform)
    if key not in PLATFORMS:
        raise SystemExit(
            f"bundle_python: no wheels are bundled for {sys.platform} {machine}"
        )
    return key


def resolve(nanguard_wheel: Path, work: Path) -> list[tuple[str, str, bool]]:
    """(name, version, is_pure) of every distribution the server needs, nanguard excluded.

    pip judges environment markers by the interpreter running it, not by --python-version, so
    the backports the oldest supported Python needs (`tomli; python_version < "3.11"`) are added
    here by reading each resolved distribution's requirements with that version's markers.
    """
    oldest = {
        "python_version": PYTHON_VERSIONS[0],
        "python_full_version": f"{PYTHON_VERSIONS[0]}.0",
    }
    extra_requirements: set[str] = set()
    while True:
        report = work / "report.json"
        pip(
            # pip refuses platform options without --target, even for a dry run that writes nothing.
            "install",
            "--dry-run",
            "--ignore-installed",
            "--target",
            str(work / "unused"),
            "--report",
            str(report),
            "--constraint",
            str(CONSTRAINTS),
            *target_options(PLATFORMS["linux-x86_64"], PYTHON_VERSIONS[0]),
            str(nanguard_wheel),
            *sorted(extra_requirements),
        )
        items = json.loads(report.read_text())["install"]
        names = {canonicalize_name(item["metadata"]["name"]) for item in items}
        missing = set()
        for item in items:
            for line in item["metadata"].get("requires_dist", []):
                requirement = Requirement(line)
                if requirement.marker is None or not requirement.marker.evaluate(
                    {**oldest, "extra": ""}
                ):
                    continue
                if canonicalize_name(requirement.name) not in names:
                    missing.add(f"{requirement.name}{requirement.specifier}")
        if not missing:
            break
        extra_requirements |= missing
    resolved = []
    for item in items:
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        if canonicalize_name(name) == "nanguard":
            continue
        filename = item["download_info"]["url"].rsplit("/", 1)[-1]
        resolved.append((name, version, filename.endswith("-none-any.whl")))
    return sorted(resolved)


def unpack(wheel: Path, destination: Path) -> None:
    """Installs a wheel the way `pip install --target` lays it out, without scripts."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(destination)
    for data in destination.glob("*.data"):
        for scheme in ("purelib", "platlib"):
            if (data / scheme).is_dir():
                shutil.copytree(data / scheme, destination, dirs_exist_ok=True)
        shutil.rmtree(data)


def download(
    requirements: list[str], directory: Path, platform_tag: str, python_version: str
) -> None:
    pip(
        "download",
        "--no-deps",
        "--dest",
        str(directory),
        *target_options(platform_tag, python_version),
        *requirements,
    )


def bundle(platform_keys: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="nanguard-bundle-") as temporary:
        work = Path(temporary)
        pip(
            "wheel", "--no-deps", "--wheel-dir", str(work / "nanguard"), str(REPOSITORY)
        )
        (nanguard_wheel,) = (work / "nanguard").glob("nanguard-*.whl")
        resolved = resolve(nanguard_wheel, work)
        pure = [f"{name}=={version}" for name, version, is_pure in resolved if is_pure]
        native = [
            f"{name}=={version}" for name, version, is_pure in resolved if not is_pure
        ]

        download(pure, work / "pure", PLATFORMS["linux-x86_64"], PYTHON_VERSIONS[0])
        jobs = [(key, version) for key in platform_keys for version in PYTHON_VERSIONS]
        with ThreadPoolExecutor(max_workers=4) as pool:
            # Each job downloads into its own folder: pip is not safe to run twice on one folder.
            list(
                pool.map(
                    lambda job: download(
                        native,
                        work / "native" / job[0] / job[1],
                        PLATFORMS[job[0]],
                        job[1],
                    ),
                    jobs,
                )
            )

        shutil.rmtree(BUNDLED, ignore_errors=True)
        for wheel in [nanguard_wheel, *sorted((work / "pure").glob("*.whl"))]:
            unpack(wheel, BUNDLED / "libs")
        for key, version in jobs:
            for wheel in sorted((work / "native" / key / version).glob("*.whl")):
                unpack(wheel, BUNDLED / "native" / key)

    manifest = {
        "nanguard": nanguard_wheel.name.split("-")[1],
        "platforms": {key: list(PYTHON_VERSIONS) for key in platform_keys},
        "packages": {name: version for name, version, _ in resolved},
    }
    (BUNDLED / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def check_runs_on_this_interpreter(host: str) -> None:
    """Imports the server from bundled/ alone (-S: no site-packages) and checks a file with it."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(BUNDLED / "libs"), str(BUNDLED / "native" / host)]
        ),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    probe = "import nanguard.lsp.server, tree_sitter, tree_sitter_python, jedi, pygls"
    subprocess.run(
        [sys.executable, "-S", "-c", probe], check=True, env=environment, cwd=BUNDLED
    )
    with tempfile.TemporaryDirectory(prefix="nanguard-bundle-check-") as folder:
        sample = Path(folder) / "sample.py"
        sample.write_text(
            "import tensorflow as tf\ny_conv = tf.nn.softmax(logits)\nloss = -tf.reduce_sum(y_ * tf.log(y_conv))\n"
        )
        result = subprocess.run(
            [sys.executable, "-S", "-m", "nanguard", "check", str(sample)],
            check=False,
            capture_output=True,
            text=True,
            env=environment,
            cwd=folder,
        )
    if "NG001" not in result.stdout:
        raise SystemExit(
            f"bundle_python: the bundled server did not find NG001 in a sample:\n{result.stdout}{result.stderr}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--platforms",
        choices=("all", "host"),
        default="all",
        help="bundle compiled wheels for every supported platform (the published .vsix) or only this one",
    )
    options = parser.parse_args()
    host = host_platform()
    manifest = bundle(list(PLATFORMS) if options.platforms == "all" else [host])
    check_runs_on_this_interpreter(host)
    size = sum(f.stat().st_size for f in BUNDLED.rglob("*") if f.is_file())
    print(
        f"bundled nanguard {manifest['nanguard']} with {len(manifest['packages'])} packages for "
        f"{', '.join(manifest['platforms'])} ({size / 1e6:.1f} MB) into {BUNDLED}"
    )


if __name__ == "__main__":
    main()
