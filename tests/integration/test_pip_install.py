"""修复 and 升级 with pip for real (SYS-1, SYS-2): the program built as a wheel, installed into a fresh
virtual environment this user owns, a program file deleted and another changed, then 修复 finds them
against RECORD and runs the exact pip command that puts them back; and the 升级 command moves the
install to a newer version (a wheel of the same source with the version raised). pip works from a
local folder of wheels (PIP_NO_INDEX, PIP_FIND_LINKS), so nothing is downloaded.

Slow (about 40 s: two wheel builds, a venv); skipped where the wheels cannot be built here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, **kw)


def _build_wheel(source: Path, out: Path) -> None:
    done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)])
    if done.returncode != 0:
        pytest.skip(f"the wheel cannot be built here: {done.stderr[-500:]}")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """Wheels of this source as 0.1.0 and as 0.2.0 (a copy with the version raised)."""
    out = tmp_path_factory.mktemp("wheels")
    _build_wheel(ROOT, out)
    newer = tmp_path_factory.mktemp("src") / "sbflib-src"
    newer.mkdir()
    shutil.copy(ROOT / "pyproject.toml", newer)
    shutil.copytree(ROOT / "sbflib", newer / "sbflib", ignore=shutil.ignore_patterns("__pycache__"))
    for path, old, new in ((newer / "pyproject.toml", 'version = "0.1.0"', 'version = "0.2.0"'),
                           (newer / "sbflib" / "version.py", '__version__ = "0.1.0"', '__version__ = "0.2.0"')):
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    _build_wheel(newer, out)
    return out


@pytest.fixture
def env(tmp_path, wheels):
    """A venv with sbflib 0.1.0 installed from the wheel (no dependencies: the checks need none)."""
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    environ = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "PIP_CONSTRAINT": "",
               "PYTHONPATH": ""}
    done = _run([str(python), "-m", "pip", "install", "--no-deps", "-q", "sbflib==0.1.0"], env=environ,
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = Path(_run([str(python), "-c", "import sbflib, pathlib; print(pathlib.Path(sbflib.__file__).parent)"],
                     env=environ, cwd=tmp_path).stdout.strip())
    assert site.is_dir() and "venv" in str(site)
    return python, site, environ, tmp_path


CHECK = """
import json
from sbflib.system.package import check_program
r = check_program(run={run})
print(json.dumps({{"kind": r.install.kind, "allowed": r.install.pip_allowed, "bad": list(r.bad),
                  "missing": list(r.missing_resources), "command": list(r.command), "ran": r.ran,
                  "repaired": r.repaired, "ok": r.ok}}))
"""


def _check(python: Path, environ: dict, cwd: Path, run: str) -> dict:
    done = _run([str(python), "-c", CHECK.format(run=run)], env=environ, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_repair_puts_deleted_and_changed_program_files_back_with_pip(env):
    python, site, environ, cwd = env
    assert _check(python, environ, cwd, "False") == {
        "kind": "wheel", "allowed": True, "bad": [], "missing": [], "command": [], "ran": False,
        "repaired": False, "ok": True}
    css = site / "ui" / "share" / "jupyter" / "voila" / "templates" / "sbf" / "sbf.css"
    migration = site / "store" / "migrations" / "001_init.sql"
    css.unlink()
    migration.write_text(migration.read_text(encoding="utf-8") + "\n-- damaged\n", encoding="utf-8")

    found = _check(python, environ, cwd, "False")  # report only: the exact command, nothing run
    assert found["bad"] == ["sbflib/store/migrations/001_init.sql",
                            "sbflib/ui/share/jupyter/voila/templates/sbf/sbf.css"]
    assert found["missing"] == ["sbflib/ui/share/jupyter/voila/templates/sbf/sbf.css"]
    assert found["command"][1:] == ["-m", "pip", "install", "--force-reinstall", "--no-deps", "sbflib==0.1.0"]
    assert not found["ran"] and not css.exists()

    fixed = _check(python, environ, cwd, "None")  # allowed here: a venv this user owns
    assert fixed["ran"] and fixed["repaired"] and fixed["ok"]
    assert css.exists() and "-- damaged" not in migration.read_text(encoding="utf-8")
    assert _check(python, environ, cwd, "False")["bad"] == []


def test_the_upgrade_command_installs_the_newer_version(env):
    python, _site, environ, cwd = env
    script = """
import json
from sbflib.system.package import describe, installed_version_now, run_command, upgrade_command
install = describe()
cmd = upgrade_command(install, "0.2.0")
done = run_command(cmd)
print(json.dumps({"allowed": install.pip_allowed, "cmd": cmd, "rc": done.returncode, "now": installed_version_now()}))
"""
    # The real command also brings the new version's dependencies from the index; this venv has none.
    done = _run([str(python), "-c", script], env={**environ, "PIP_NO_DEPS": "1"}, cwd=cwd)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["allowed"] and result["rc"] == 0
    assert result["cmd"] == [str(python), "-m", "pip", "install", "--upgrade", "sbflib==0.2.0"]
    assert result["now"] == "0.2.0"
    version = _run([str(python), "-c", "import sbflib; print(sbflib.__version__)"], env=environ, cwd=cwd)
    assert version.stdout.strip() == "0.2.0"
