"""网络设置 (SET-1): a proxy tested before it is saved, then used by every bureau call."""

import base64
import contextlib
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

import sbflib
from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.system.network import ProxySettings


class _Proxy(BaseHTTPRequestHandler):
    """A forward HTTP proxy that requires user `clerk` / password `s3cret` and counts requests."""

    seen: ClassVar[list[str]] = []

    def do_GET(self):
        self._forward()

    def do_POST(self):
        self._forward()

    def _forward(self):
        expected = "Basic " + base64.b64encode(b"clerk:s3cret").decode()
        if self.headers.get("Proxy-Authorization") != expected:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        type(self).seen.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"proxy-authorization", "host"}}
        upstream = httpx.request(self.command, self.path, headers=headers, content=body, trust_env=False)
        self.send_response(upstream.status_code)
        for key, value in upstream.headers.items():
            if key.lower() not in {"transfer-encoding", "content-encoding", "content-length", "connection"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    _Proxy.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_proxy_is_tested_then_saved_then_used(tmp_path, bureau, proxy):
    wb = sbflib.open(tmp_path / "data", gateway_url=bureau.url)
    settings = ProxySettings(enabled=True, kind="http", host="127.0.0.1", port=proxy, username="clerk")

    with pytest.raises(ConnectionFailed, match="用户名或密码"):
        wb.network.save(settings, password="wrong")  # the proxy refuses: nothing is saved
    assert not wb.network.load().enabled
    assert _Proxy.seen == []

    assert "成功" in wb.network.test(settings, password="s3cret")
    wb.network.save(settings, password="s3cret")
    saved = wb.network.load()
    assert saved.enabled and saved.port == proxy and saved.has_password
    before = len(_Proxy.seen)
    assert wb.regions()
    assert len(_Proxy.seen) > before and _Proxy.seen[-1].endswith("/api/v1/regions")

    # The password is not readable in the store, and a reopened workbench still uses the proxy.
    wb.close()
    wb.store.close()
    assert b"s3cret" not in (tmp_path / "data" / "client" / "sbf.duckdb").read_bytes()
    again = sbflib.open(tmp_path / "data")
    count = len(_Proxy.seen)
    again.regions()
    assert len(_Proxy.seen) == count + 1
    again.close()


def test_unreachable_proxy_and_bad_fields_are_refused(tmp_path, bureau):
    wb = sbflib.open(tmp_path / "data", gateway_url=bureau.url)
    with pytest.raises(ValidationError, match="端口"):
        wb.network.test(ProxySettings(enabled=True, kind="http", host="127.0.0.1", port=0))
    with pytest.raises(ValidationError, match="http 或 socks5"):
        wb.network.test(ProxySettings(enabled=True, kind="ftp", host="127.0.0.1", port=8080))
    with pytest.raises(ConnectionFailed):
        wb.network.save(ProxySettings(enabled=True, kind="socks5", host="127.0.0.1", port=9))
    assert not wb.network.load().enabled
    assert wb.regions()  # still direct
    wb.close()


class _Socks5(socketserver.BaseRequestHandler):
    """A SOCKS5 proxy (RFC 1928, user/password per RFC 1929) that counts the connections it relays."""

    connections: ClassVar[list[tuple[str, int]]] = []

    def handle(self):
        sock = self.request
        _ver, n = sock.recv(2)
        methods = sock.recv(n)
        if 2 not in methods:
            sock.sendall(b"\x05\xff")
            return
        sock.sendall(b"\x05\x02")
        _v, ulen = sock.recv(2)
        user = sock.recv(ulen)
        plen = sock.recv(1)[0]
        password = sock.recv(plen)
        if (user, password) != (b"clerk", b"s3cret"):
            sock.sendall(b"\x01\x01")
            return
        sock.sendall(b"\x01\x00")
        _ver, _cmd, _rsv, atyp = sock.recv(4)
        if atyp == 1:
            host = socket.inet_ntoa(sock.recv(4))
        else:
            host = sock.recv(sock.recv(1)[0]).decode()
        port = int.from_bytes(sock.recv(2), "big")
        upstream = socket.create_connection((host, port))
        type(self).connections.append((host, port))
        sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + (0).to_bytes(2, "big"))
        pipes = [(sock, upstream), (upstream, sock)]
        threads = [threading.Thread(target=_pipe, args=p, daemon=True) for p in pipes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def _pipe(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


@pytest.fixture
def socks5_proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Socks5)
    server.daemon_threads = True
    _Socks5.connections = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_socks5_proxy_with_user_and_password(tmp_path, bureau, socks5_proxy):
    wb = sbflib.open(tmp_path / "data", gateway_url=bureau.url)
    settings = ProxySettings(enabled=True, kind="socks5", host="127.0.0.1", port=socks5_proxy, username="clerk")
    with pytest.raises(ConnectionFailed):
        wb.network.save(settings, password="wrong")
    assert not wb.network.load().enabled
    wb.network.save(settings, password="s3cret")
    before = len(_Socks5.connections)
    assert wb.regions()
    assert len(_Socks5.connections) > before
    wb.close()
