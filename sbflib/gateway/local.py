"""The embedded demo bureau: one process per data folder, started on first need, shared after.

Every Voila kernel, notebook and script that opens the same data folder must reach the same bureau
process (DuckDB lets only one process write the bureau's file). The first caller takes a file lock,
starts `python -m sbflib.bureau serve` on a free 127.0.0.1 port and records its address in
`<data>/bureau/address.json`; later callers find the address, check it answers, and reuse it.
A bureau started again (after it died) takes its recorded port when that port is free, and
`relocator` gives the gateway a way to find it again, so an open tab recovers on its next call.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from sbflib.errors import ConnectionFailed

DEMO_EMPLOYEES = 2000  # employees of the main demo unit; $SBF_DEMO_EMPLOYEES overrides (tests)


def _demo_employees() -> int:
    return int(os.environ.get("SBF_DEMO_EMPLOYEES") or DEMO_EMPLOYEES)


def _alive(url: str) -> bool:
    try:
        return httpx.get(url + "/api/v1/health", timeout=2.0, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _recorded_url(address_file: Path) -> str | None:
    try:
        return str(json.loads(address_file.read_text())["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def bureau_folder(data_dir: Path) -> Path:
    """`<data>/bureau`, created 0700 (it holds the bureau store, demo.json and the demo secret)."""
    folder = Path(data_dir) / "bureau"
    Path(data_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def running_local_bureau(data_dir: Path) -> str | None:
    """The URL of the data folder's demo bureau if one answers, else None."""
    url = _recorded_url(Path(data_dir) / "bureau" / "address.json")
    return url if url and _alive(url) else None


def relocator(data_dir: Path) -> Callable[[], str | None]:
    """For the gateway: the embedded bureau's address after a refused connection, read again from
    address.json, or the bureau started again when nothing answers there (None if that fails)."""

    def relocate() -> str | None:
        try:
            return ensure_local_bureau(data_dir)
        except ConnectionFailed:
            return None

    return relocate


def ensure_local_bureau(data_dir: Path, *, start_timeout: float = 120.0) -> str:
    """Return the URL of the data folder's demo bureau, starting it if none answers."""
    folder = bureau_folder(data_dir)
    address_file = folder / "address.json"
    lock_fd = os.open(folder / "launch.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(lock_fd, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one launcher at a time; the others wait and then reuse
        recorded = _recorded_url(address_file)
        if recorded and _alive(recorded):
            return recorded
        # A bureau started again keeps its address when it can, so open tabs find it unchanged.
        recorded_port = httpx.URL(recorded).port if recorded else None
        port = recorded_port if recorded_port and _port_is_free(recorded_port) else _free_port()
        url = f"http://127.0.0.1:{port}"
        log_fd = os.open(folder / "bureau.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(log_fd, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "sbflib.bureau", "serve",
                    "--store", str(folder / "bureau.duckdb"),
                    "--host", "127.0.0.1", "--port", str(port), "--demo",
                    "--seed-if-missing", "--employees", str(_demo_employees()),
                ],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the kernel that started it, shared by the others
            )
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ConnectionFailed(
                    "本地演示税务局启动失败，请查看数据目录中 bureau 文件夹下的日志 bureau.log",
                    detail=f"{folder / 'bureau.log'}: exit code {process.returncode}", code="BUREAU_START_FAILED",
                )
            if _alive(url):
                _write_private(address_file, json.dumps({"url": url, "pid": process.pid}))
                return url
            time.sleep(0.2)
        process.kill()
        raise ConnectionFailed("本地演示税务局启动超时，请稍后重试",
                               detail=f"{url} did not answer within {start_timeout} s", code="BUREAU_START_FAILED")


def stop_local_bureau(data_dir: Path) -> bool:
    """Stop the data folder's demo bureau if one runs (used by `sbf` and tests)."""
    address_file = Path(data_dir) / "bureau" / "address.json"
    if not address_file.exists():
        return False
    pid = json.loads(address_file.read_text()).get("pid")
    address_file.unlink()
    if pid:
        try:
            os.killpg(pid, 15)
            return True
        except ProcessLookupError:
            return False
    return False
