"""The installed program: are its files as installed, and the exact pip command that reinstalls or
upgrades it (修复 and 升级, SYS-1 / SYS-2).

The program is a Python distribution (`sbflib`). How it was installed decides what can be checked:

- from a wheel (`pip install sbflib`): pip wrote a RECORD listing every file with its sha256; each
  file is hashed again and compared. A missing or changed file is put back by
  `python -m pip install --force-reinstall --no-deps sbflib==<version>`.
- editable (`pip install -e .`, a source checkout): RECORD lists only the link to the source folder.
  The link files are checked against RECORD, and the resources the program cannot run without
  (store migrations, the page template, the dashboards) must be present. Putting a source file back
  is the checkout's business (the exact `git` command is printed, never run).

pip is run only where the clerk owns the install: a virtual environment (`sys.prefix` differs from
`sys.base_prefix`) whose site-packages folder this user may write. Anywhere else the command is
printed for the clerk (or the administrator) to run.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

DIST_NAME = "sbflib"
#: Optional package index for upgrades and repairs (`pip --index-url`), e.g. a bureau's mirror.
INDEX_ENV = "SBF_INDEX_URL"

#: Resources the program cannot run without, relative to the package folder.
REQUIRED_RESOURCES = (
    "store/migrations/001_init.sql",
    "bureau/migrations/001_init.sql",
    "ui/share/jupyter/voila/templates/sbf/index.html.j2",
    "ui/share/jupyter/voila/templates/sbf/conf.json",
    "ui/share/jupyter/voila/templates/sbf/sbf.css",
)
#: Beside the package in a source checkout (`sbf run` serves them).
REQUIRED_BESIDE = ("dashboards/app.ipynb", "dashboards/voila.json")

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def run_command(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run pip (or git) and capture its output; at most 15 minutes."""
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=900, check=False)


@dataclass(frozen=True)
class Install:
    """How the program is installed."""

    kind: str                     # "wheel" | "editable" | "missing" (not installed: running from a folder)
    version: str
    package_dir: Path
    source_dir: Path | None       # the checkout of an editable install
    site_dir: Path | None         # where pip put the files
    in_venv: bool
    writable: bool

    @property
    def pip_allowed(self) -> bool:
        """May this program run pip itself? Only in a venv the user can write."""
        return self.kind == "wheel" and self.in_venv and self.writable


@dataclass(frozen=True)
class ProgramCheck:
    """The program files as found: `bad` are missing or changed files (paths as RECORD names them)."""

    install: Install
    checked: int
    bad: tuple[str, ...] = ()
    missing_resources: tuple[str, ...] = ()
    command: tuple[str, ...] = ()          # what puts the files back ("" when nothing to do)
    ran: bool = False
    returncode: int | None = None
    output: str = ""
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return (not self.bad and not self.missing_resources) or self.repaired

    @property
    def command_text(self) -> str:
        return shlex.join(self.command) if self.command else ""


def _installed_dist(name: str = DIST_NAME) -> metadata.Distribution | None:
    """The distribution pip installed (with a RECORD); a source folder's `*.egg-info` found first on
    sys.path (running from the checkout) has no hashes and is the fallback only."""
    found = list(metadata.distributions(name=name))
    with_record = [d for d in found if d.read_text("RECORD")]
    chosen = with_record or found
    return chosen[0] if chosen else None


def _direct_url(dist: metadata.Distribution) -> dict:
    text = dist.read_text("direct_url.json")
    if not text:
        return {}
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    return {}


def _file_url_path(url: str) -> Path | None:
    if url.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(url).path))
    return None


def describe(dist: metadata.Distribution | None = None, package_dir: Path | None = None) -> Install:
    """How the program (or `dist`, in tests) is installed."""
    import sbflib

    dist = dist if dist is not None else _installed_dist()
    package_dir = package_dir or Path(sbflib.__file__).resolve().parent
    in_venv = sys.prefix != sys.base_prefix
    if dist is None:
        return Install("missing", sbflib.__version__, package_dir, package_dir.parent, None, in_venv,
                       os.access(package_dir, os.W_OK))
    site_dir = Path(str(dist.locate_file(""))).resolve()
    info = _direct_url(dist)
    editable = bool((info.get("dir_info") or {}).get("editable"))
    source = _file_url_path(str(info.get("url") or "")) if editable else None
    return Install("editable" if editable else "wheel", dist.version, package_dir, source, site_dir, in_venv,
                   os.access(site_dir, os.W_OK))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def verify_record(dist: metadata.Distribution) -> tuple[int, list[str]]:
    """(files checked, files missing or changed) against the RECORD pip wrote for `dist`."""
    bad: list[str] = []
    checked = 0
    for entry in dist.files or []:
        if entry.hash is None or entry.hash.mode != "sha256":
            continue  # RECORD itself, .pyc files
        checked += 1
        target = Path(str(dist.locate_file(entry)))
        try:
            if _sha256(target) != entry.hash.value:
                bad.append(str(entry))
        except OSError:
            bad.append(str(entry))
    return checked, bad


def missing_resources(install: Install) -> list[str]:
    missing = [f"sbflib/{r}" for r in REQUIRED_RESOURCES if not (install.package_dir / r).is_file()]
    if install.kind != "wheel":
        root = install.source_dir or install.package_dir.parent
        missing += [r for r in REQUIRED_BESIDE if not (root / r).is_file()]
    return missing


def pip_command(spec: str, *, force: bool = False) -> list[str]:
    """`python -m pip install ...` for this interpreter, with the index of $SBF_INDEX_URL if set."""
    cmd = [sys.executable, "-m", "pip", "install"]
    cmd += ["--force-reinstall", "--no-deps"] if force else ["--upgrade"]
    index = os.environ.get(INDEX_ENV, "").strip()
    if index:
        cmd += ["--index-url", index]
    return [*cmd, spec]


def reinstall_command(install: Install, bad: Sequence[str] = ()) -> list[str]:
    """The command that puts the program files back."""
    if install.kind == "wheel":
        return pip_command(f"{DIST_NAME}=={install.version}", force=True)
    root = install.source_dir or install.package_dir.parent
    files = [f for f in bad if not f.startswith(("../", "/"))] or ["sbflib", "dashboards"]
    return ["git", "-C", str(root), "checkout", "HEAD", "--", *files]


def check_program(dist: metadata.Distribution | None = None, *, package_dir: Path | None = None,
                  run: bool | None = None, runner: Runner = run_command) -> ProgramCheck:
    """Check the program files; when some are missing or changed, put them back with pip where the
    install allows it (`run=None`: when `Install.pip_allowed`; `run=False`: never), else give the command."""
    install = describe(dist, package_dir)
    dist = dist if dist is not None else _installed_dist()
    checked, bad = verify_record(dist) if dist is not None else (0, [])
    missing = missing_resources(install)
    if not bad and not missing:
        return ProgramCheck(install, checked)
    command = tuple(reinstall_command(install, missing if install.kind != "wheel" else ()))
    allowed = install.pip_allowed if run is None else (run and install.pip_allowed)
    if not allowed:
        return ProgramCheck(install, checked, tuple(bad), tuple(missing), command)
    done = runner(command)
    output = (done.stdout or "") + (done.stderr or "")
    _checked, still_bad = verify_record(dist) if dist is not None else (0, [])  # RECORD is read again
    repaired = done.returncode == 0 and not still_bad and not missing_resources(install)
    return ProgramCheck(install, checked, tuple(bad), tuple(missing), command, ran=True,
                        returncode=done.returncode, output=output[-4000:], repaired=repaired)


@dataclass(frozen=True)
class UpgradeOutcome:
    """What 升级 did: the command, whether it ran, and the version installed afterwards."""

    command: tuple[str, ...]
    ran: bool
    returncode: int | None = None
    installed_version: str = ""
    output: str = ""
    message: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def command_text(self) -> str:
        return shlex.join(self.command)


def upgrade_command(install: Install, latest: str) -> list[str]:
    """The exact command that installs version `latest` of the program."""
    if install.kind == "editable":
        root = install.source_dir or install.package_dir.parent
        return ["git", "-C", str(root), "pull", "--ff-only"]
    return pip_command(f"{DIST_NAME}=={latest}")


def installed_version_now() -> str:
    """The version pip has installed now, asked of a fresh interpreter (this one keeps the old code)."""
    code = f"import importlib.metadata as m; print(m.version({DIST_NAME!r}))"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
