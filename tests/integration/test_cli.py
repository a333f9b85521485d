"""The `sbf` command: `sbf demo` lists the demo units a newcomer can try; `sbf run` stopped by
SIGTERM or Ctrl-C stops Voila (with its kernels) and the demo bureau it started."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sbflib.gateway import local


def _env():
    return {**os.environ, "SBF_DEMO_EMPLOYEES": "30", "PYTHONUNBUFFERED": "1"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _processes_with(fragment: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if fragment in cmdline and _alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def test_sbf_demo_lists_the_demo_units_starting_the_bureau_if_needed(tmp_path):
    data = tmp_path / "data"
    try:
        done = subprocess.run([sys.executable, "-m", "sbflib.cli", "demo", "--data", str(data)],
                              check=False, capture_output=True, text=True, env=_env(), timeout=180)
        assert done.returncode == 0, done.stderr
        demo = json.loads((data / "bureau" / "demo.json").read_text(encoding="utf-8"))
        main = next(u for u in demo["units"] if u["role"] == "main")
        out = done.stdout
        assert main["taxpayer_id"] in out and main["unit_id"] in out and main["password"] in out
        assert "两个单位" in out and "用人单位" in out and "代收单位" in out and "浙江省杭州市" in out
        assert not any(u["unit_id"] in out for u in demo["units"] if u["role"] == "spare")
        assert local.running_local_bureau(data) is not None  # started because none answered
    finally:
        local.stop_local_bureau(data)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sbf_run_stopped_by_a_signal_stops_voila_and_the_bureau_it_started(tmp_path, stop_signal):
    data = tmp_path / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sbflib.cli", "run", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env())
    try:
        deadline = time.monotonic() + 180
        while not _listening(port):
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "Voila did not start"
            time.sleep(0.5)
        bureau_pid = json.loads((data / "bureau" / "address.json").read_text())["pid"]
        assert _alive(bureau_pid)
        assert _processes_with(f"--port={port}")  # Voila runs

        proc.send_signal(stop_signal)
        proc.wait(timeout=30)

        gone_by = time.monotonic() + 10
        while (_alive(bureau_pid) or _listening(port)) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert not _alive(bureau_pid), "the bureau sbf run started still runs"
        assert not _listening(port), "Voila still listens"
        assert _processes_with(f"--port={port}") == []
        assert not (data / "bureau" / "address.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        local.stop_local_bureau(data)
