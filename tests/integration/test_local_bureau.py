"""The embedded demo bureau: started on first need, then shared by every process of a data folder
(two Voila tabs must not start two bureaus on one store)."""

import json
import multiprocessing as mp

import sbflib
from sbflib.gateway import local


def _ask_for_bureau(data_dir, queue):
    queue.put(local.ensure_local_bureau(data_dir))


def test_two_processes_share_one_bureau_and_open_needs_no_url(tmp_path, monkeypatch):
    monkeypatch.setenv("SBF_DEMO_EMPLOYEES", "40")  # read by the processes spawned below
    data = tmp_path / "data"
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_ask_for_bureau, args=(data, queue)) for _ in range(2)]
    try:
        for w in workers:
            w.start()
        urls = {queue.get(timeout=180) for _ in workers}
        for w in workers:
            w.join(timeout=30)
        assert len(urls) == 1  # both got the same bureau
        [url] = urls
        assert json.loads((data / "bureau" / "address.json").read_text())["url"] == url
        assert (data / "bureau" / "demo.json").exists()

        wb = sbflib.open(data)  # no gateway URL: the recorded local bureau
        assert wb.gateway.base_url == url
        assert {r.code for r in wb.regions()} >= {"330100", "440300"}
        wb.close()
    finally:
        assert local.stop_local_bureau(data)
    assert local.running_local_bureau(data) is None


def test_an_open_workbench_recovers_when_its_bureau_is_killed(tmp_path, monkeypatch):
    """The embedded bureau dies (kill -9 of its process group): the next call of an open workbench
    finds it again (re-reads address.json, starts it anew on its recorded port when free)."""
    import os
    import signal
    import time

    monkeypatch.setenv("SBF_DEMO_EMPLOYEES", "30")
    data = tmp_path / "data"
    wb = sbflib.open(data)
    try:
        assert wb.regions()
        first = json.loads((data / "bureau" / "address.json").read_text())
        os.killpg(first["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while local.running_local_bureau(data) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert local.running_local_bureau(data) is None

        assert {r.code for r in wb.regions()} >= {"330100"}  # the call that found it gone succeeds
        second = json.loads((data / "bureau" / "address.json").read_text())
        assert second["pid"] != first["pid"]
        assert wb.gateway.base_url == second["url"]
        assert second["url"] == first["url"]  # the recorded port was free, so it was reused
        assert (data / "bureau").stat().st_mode & 0o777 == 0o700
        assert (data / "bureau" / "address.json").stat().st_mode & 0o777 == 0o600
    finally:
        wb.close()
        local.stop_local_bureau(data)
