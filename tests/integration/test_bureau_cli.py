"""`sbf bureau` commands on a data folder's recorded bureau (subprocesses, as a person runs them),
and the file modes of the bureau's folder."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _sbf_bureau(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sbflib.cli", "bureau", *args], capture_output=True,
                          text=True, timeout=60, check=False, env={**os.environ, **(env or {})})


def _chinese_failure(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert re.search(r"[\u4e00-\u9fff]", done.stderr)
    return done.stderr


def test_commands_without_a_recorded_bureau_say_so_in_chinese(tmp_path):
    empty = tmp_path / "data"
    message = _chinese_failure(_sbf_bureau("change", "--data", str(empty), "--unit", "U000001"))
    assert "没有正在运行的演示税务局" in message and str(empty) in message
    _chinese_failure(_sbf_bureau("stop", "--data", str(empty)))
    # The default data folder is $SBF_DATA_DIR.
    message = _chinese_failure(_sbf_bureau("stop", env={"SBF_DATA_DIR": str(empty)}))
    assert str(empty) in message


def test_a_recorded_bureau_that_does_not_answer_is_told_in_chinese(tmp_path):
    folder = tmp_path / "data" / "bureau"
    folder.mkdir(parents=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (folder / "address.json").write_text(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": 999999}))
    (folder / "demo-secret").write_text("x")
    message = _chinese_failure(_sbf_bureau("change", "--data", str(tmp_path / "data"), "--unit", "U000001"))
    assert "无法连接" in message
    done = _sbf_bureau("stop", "--data", str(tmp_path / "data"))
    assert done.returncode == 0 and "已不在运行" in done.stdout
    assert not (folder / "address.json").exists()


@pytest.fixture(scope="module")
def data_bureau(tmp_path_factory):
    """A bureau started as the embedded one is: store, log, secret and address under <data>/bureau."""
    data = tmp_path_factory.mktemp("cli") / "data"
    folder = data / "bureau"
    folder.mkdir(parents=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = folder / "bureau.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sbflib.bureau", "serve", "--store", str(folder / "bureau.duckdb"),
             "--port", str(port), "--demo", "--seed-if-missing", "--employees", "40", "--residents", "0"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    (folder / "address.json").write_text(json.dumps({"url": url, "pid": process.pid}))
    yield data, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_serve_keeps_the_folder_0700_and_its_files_0600(data_bureau):
    data, _ = data_bureau
    folder = data / "bureau"
    assert folder.stat().st_mode & 0o777 == 0o700
    for name in ("bureau.duckdb", "demo.json", "demo-secret", "bureau.log"):
        assert (folder / name).stat().st_mode & 0o777 == 0o600, name


def test_change_uses_the_recorded_bureau_and_its_secret(data_bureau):
    data, _ = data_bureau
    done = _sbf_bureau("change", "--data", str(data), "--unit", "U000003", "--count", "2")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["changed"]) == 2
    wrong = _sbf_bureau("change", "--data", str(data), "--unit", "U000003", env={"SBF_DEMO_SECRET": "nope"})
    assert wrong.returncode == 1 and "演示功能需要演示密钥" in wrong.stderr and "Traceback" not in wrong.stderr


def test_stop_stops_the_recorded_bureau_and_says_so(data_bureau):
    data, process = data_bureau
    done = _sbf_bureau("stop", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert "已停止演示税务局" in done.stdout and str(process.pid) in done.stdout
    assert process.wait(timeout=15) is not None
    assert not (data / "bureau" / "address.json").exists()
    _chinese_failure(_sbf_bureau("stop", "--data", str(data)))


def test_seed_writes_private_files(tmp_path):
    folder = tmp_path / "fresh"
    done = subprocess.run([sys.executable, "-m", "sbflib.bureau", "seed", "--store", str(folder / "b.duckdb"),
                           "--employees", "20", "--residents", "0"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert folder.stat().st_mode & 0o777 == 0o700
    for name in ("b.duckdb", "demo.json"):
        assert (folder / name).stat().st_mode & 0o777 == 0o600, name


def test_serve_on_a_data_folder_records_its_address_for_change_and_stop(tmp_path):
    data = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-m", "sbflib.cli", "bureau", "serve", "--data", str(data), "--port", "0", "--demo",
         "--seed-if-missing", "--employees", "30", "--residents", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    address = data / "bureau" / "address.json"
    try:
        deadline = time.monotonic() + 90
        while not address.exists() and time.monotonic() < deadline:
            assert process.poll() is None
            time.sleep(0.1)
        recorded = json.loads(address.read_text())
        assert recorded["pid"] == process.pid and recorded["url"].startswith("http://127.0.0.1:")
        assert address.stat().st_mode & 0o777 == 0o600
        assert httpx.get(recorded["url"] + "/api/v1/health", timeout=5).status_code == 200
        done = _sbf_bureau("change", "--unit", "U000003", "--count", "1", env={"SBF_DATA_DIR": str(data)})
        assert done.returncode == 0, done.stderr
        stopped = _sbf_bureau("stop", "--data", str(data))
        assert stopped.returncode == 0 and "已停止演示税务局" in stopped.stdout, stopped.stderr
        assert process.wait(timeout=15) == 0
        assert not address.exists()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
