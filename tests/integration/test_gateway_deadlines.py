"""Every outgoing call has an overall deadline of its own: a bureau that accepts and never answers,
and a SOCKS5 proxy that accepts and never answers its handshake (httpcore reads that without a
timeout), both fail with a Chinese message within the deadline given to the client."""

import socket
import threading
import time
from pathlib import Path

import pytest

from sbflib.errors import ConnectionFailed
from sbflib.gateway.client import BureauClient, ProxyConfig
from sbflib.store.db import Store
from sbflib.store.secrets import SecretBox
from sbflib.system.context import Context
from sbflib.system.network import NetworkService, ProxySettings


@pytest.fixture
def silent_server():
    """A TCP server on loopback that accepts connections, reads what comes and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], held
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def _finishes_within(seconds, fn):
    """Run fn in a thread; fail the test (instead of hanging the suite) if it outlives `seconds`."""
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call was still running after {seconds} s"
    return outcome


def test_a_hung_bureau_fails_a_read_in_chinese_within_the_deadline(silent_server):
    port, held = silent_server
    client = BureauClient(f"http://127.0.0.1:{port}", timeout=0.6, deadline=1.5, retries=3)
    outcome = _finishes_within(10, client.reference.regions)
    error = outcome["error"]
    assert isinstance(error, ConnectionFailed) and error.code == "TIMEOUT"
    assert "没有响应" in str(error) and str(port) in error.detail and str(port) not in str(error)
    assert outcome["seconds"] <= 1.5 + 0.5
    assert len(held) >= 2  # it did try again within the budget


def test_a_silent_socks5_proxy_fails_the_proxy_test_within_its_deadline(silent_server, tmp_path: Path):
    port, held = silent_server
    store = Store(tmp_path / "sbf.duckdb")
    ctx = Context(store, BureauClient("http://127.0.0.1:9"))
    network = NetworkService(ctx, SecretBox(tmp_path / "secret.key"))
    network.test_deadline = 2.0
    settings = ProxySettings(enabled=True, kind="socks5", host="127.0.0.1", port=port)
    outcome = _finishes_within(15, lambda: network.save(settings, password=""))
    error = outcome["error"]
    assert isinstance(error, ConnectionFailed)
    assert any("\u4e00" <= c <= "\u9fff" for c in str(error)) and "timed out" not in str(error).lower()
    assert outcome["seconds"] <= 2.0 + 1.0
    assert held  # the proxy was reached and kept silent
    assert not network.load().enabled  # nothing saved
    ctx.client.close()
    store.close()


def test_a_client_through_a_silent_socks5_proxy_keeps_its_deadline(silent_server):
    port, _held = silent_server
    client = BureauClient("http://127.0.0.1:9", proxy=ProxyConfig("socks5", "127.0.0.1", port),
                          timeout=5.0, deadline=1.0, retries=2)
    outcome = _finishes_within(10, client.reference.health)
    assert isinstance(outcome["error"], ConnectionFailed)
    assert outcome["seconds"] <= 1.0 + 0.5
