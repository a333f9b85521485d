"""The embedded demo bureau: one process per data folder, started on first need, shared after.

Every Voila kernel, notebook and script that opens the same data folder must reach the same bureau
process (DuckDB lets only one process write the bureau's file). The first caller takes a file lock,
starts `python -m sbflib.bureau serve` on a free 127.0.0.1 port and records its address in
`<data>/bureau/address.json`; later callers find the address, check it answers, and reuse it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sbflib.errors import ConnectionFailed

DEMO_EMPLOYEES = int(os.environ.get("SBF_DEMO_EMPLOYEES", "2000"))


def _alive(url: str) -> bool:
    try:
        return httpx.get(url + "/api/v1/health", timeout=2.0, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def running_local_bureau(data_dir: Path) -> str | None:
    """The URL of the data folder's demo bureau if one answers, else None."""
    address_file = Path(data_dir) / "bureau" / "address.json"
    if not address_file.exists():
        return None
    url = json.loads(address_file.read_text())["url"]
    return url if _alive(url) else None


def ensure_local_bureau(data_dir: Path, *, start_timeout: float = 120.0) -> str:
    """Return the URL of the data folder's demo bureau, starting it if none answers."""
    folder = Path(data_dir) / "bureau"
    folder.mkdir(parents=True, exist_ok=True)
    address_file = folder / "address.json"
    with open(folder / "launch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one launcher at a time; the others wait and then reuse
        if address_file.exists():
            url = json.loads(address_file.read_text())["url"]
            if _alive(url):
                return url
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with open(folder / "bureau.log", "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "sbflib.bureau", "serve",
                    "--store", str(folder / "bureau.duckdb"),
                    "--host", "127.0.0.1", "--port", str(port), "--demo",
                    "--seed-if-missing", "--employees", str(DEMO_EMPLOYEES),
                ],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the kernel that started it, shared by the others
            )
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ConnectionFailed(f"本地演示税务局启动失败，请查看日志 {folder / 'bureau.log'}")
            if _alive(url):
                address_file.write_text(json.dumps({"url": url, "pid": process.pid}))
                return url
            time.sleep(0.2)
        process.kill()
        raise ConnectionFailed("本地演示税务局启动超时")


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
