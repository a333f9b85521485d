"""`python -m sbflib.bureau` / `sbf bureau`: seed a demo store, serve it, make demo changes, stop it.

`change` and `stop` default to the data folder's recorded bureau (`--data`, default $SBF_DATA_DIR or
./data): its address in `<data>/bureau/address.json` ({"url", "pid"}) and its demo secret in
`<data>/bureau/demo-secret`. Failures are told in Chinese with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from .store import secure_files


class CliError(Exception):
    """A failure told to the person at the terminal in Chinese (exit code 2)."""


def _default_data() -> Path:
    return Path(os.environ.get("SBF_DATA_DIR") or "data")


def _bureau_folder(data: Path) -> Path:
    return Path(data) / "bureau"


def _recorded(data: Path) -> dict:
    """The data folder's recorded bureau address {"url", "pid"}."""
    address = _bureau_folder(data) / "address.json"
    try:
        recorded = json.loads(address.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"数据目录 {data} 中没有正在运行的演示税务局（未找到 {address}）") from None
    except (OSError, ValueError):
        raise CliError(f"无法读取演示税务局地址文件 {address}，请删除后重新启动演示税务局") from None
    if not isinstance(recorded, dict) or not isinstance(recorded.get("url"), str):
        raise CliError(f"演示税务局地址文件 {address} 内容不正确，请删除后重新启动演示税务局")
    return recorded


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sbf bureau", description="演示税务局 (the demo tax bureau)")
    sub = parser.add_subparsers(dest="command", required=True)

    seed = sub.add_parser("seed", help="write a reproducible demo store and demo.json beside it")
    seed.add_argument("--store", type=Path, default=None,
                      help="bureau DuckDB file (default <data>/bureau/bureau.duckdb)")
    seed.add_argument("--data", type=Path, default=None, help="data folder (default $SBF_DATA_DIR or ./data)")
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument("--employees", type=int, default=2000, help="employees of the main demo unit")
    seed.add_argument("--residents", type=int, default=1000)
    seed.add_argument("--force", action="store_true", help="overwrite an existing store")

    serve = sub.add_parser("serve", help="serve the bureau API with uvicorn")
    serve.add_argument("--store", type=Path, default=None,
                       help="bureau DuckDB file (default <data>/bureau/bureau.duckdb, whose address is "
                            "then recorded in <data>/bureau/address.json for change and stop)")
    serve.add_argument("--data", type=Path, default=None, help="data folder (default $SBF_DATA_DIR or ./data)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--demo", action="store_true", help="enable the /demo calls")
    serve.add_argument("--seed-if-missing", action="store_true", help="seed the store first if it is missing")
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--employees", type=int, default=2000)
    serve.add_argument("--residents", type=int, default=1000)
    serve.add_argument("--feedback-delay", type=float, default=5.0, metavar="SECONDS",
                       help="seconds before a wage filing is decided (default 5; demo: POST /demo/settings)")

    change = sub.add_parser("change", help="demo: change employees of a unit (needs a --demo bureau)")
    change.add_argument("--data", type=Path, default=None,
                        help="data folder whose recorded bureau to use (default $SBF_DATA_DIR or ./data)")
    change.add_argument("--url", default=None, help="bureau base URL (default: the data folder's bureau)")
    change.add_argument("--secret-file", type=Path, default=None,
                        help="the bureau's demo-secret file (default: <data>/bureau/demo-secret)")
    change.add_argument("--unit", required=True)
    change.add_argument("--count", type=int, default=10)
    change.add_argument("--seed", type=int, default=1)

    stop = sub.add_parser("stop", help="stop the data folder's recorded demo bureau")
    stop.add_argument("--data", type=Path, default=None,
                      help="data folder (default $SBF_DATA_DIR or ./data)")
    return parser


def _data_store(args: argparse.Namespace) -> bool:
    """Fill in `args.store` from the data folder when it was not given; True when it was not."""
    if args.store is not None:
        return False
    args.store = _bureau_folder(args.data or _default_data()) / "bureau.duckdb"
    args.store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return True


def _record_address(folder: Path, url: str) -> None:
    """Write `address.json` ({"url", "pid"}, 0600) so `change`, `stop` and the client find us."""
    path = folder / "address.json"
    partial = path.with_name("address.json.writing")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url, "pid": os.getpid()}, out)
    partial.replace(path)


def _forget_address(folder: Path) -> None:
    """Remove `address.json` when it still names this process."""
    path = folder / "address.json"
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def _seed(args: argparse.Namespace) -> int:
    from .seed import seed

    os.umask(0o077)
    _data_store(args)
    started = time.perf_counter()
    try:
        summary = seed(args.store, seed=args.seed, employees=args.employees,
                       residents=args.residents, force=args.force)
    except FileExistsError as exc:
        print(f"拒绝覆盖：{exc}", file=sys.stderr)
        return 2
    secure_files(args.store.parent)
    took = time.perf_counter() - started
    print(f"已生成演示数据 {args.store}：{len(summary['units'])} 个单位，用时 {took:.1f} 秒")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .security import ensure_demo_secret
    from .seed import seed
    from .store import BureauStore

    if not 0 <= args.feedback_delay <= 86_400:
        print("--feedback-delay 应在0至86400秒之间", file=sys.stderr)
        return 2
    os.umask(0o077)

    def stop_now(signum: int, frame: object) -> None:
        raise SystemExit(0)

    # uvicorn handles SIGTERM itself while serving and raises it again once it has shut down; this
    # handler then ends the process through the `finally` below (the store closed, the address
    # file removed) instead of the default abrupt end.
    signal.signal(signal.SIGTERM, stop_now)
    record = _data_store(args)
    if not args.store.exists():
        if not args.seed_if_missing:
            print(f"税务局数据文件 {args.store} 不存在（可加 --seed-if-missing，或先运行 seed）", file=sys.stderr)
            return 2
        seed(args.store, seed=args.seed, employees=args.employees, residents=args.residents)
    store = BureauStore(args.store)
    secret = ensure_demo_secret(args.store.parent) if args.demo else None
    secure_files(args.store.parent)
    app = create_app(store, demo_mode=args.demo, demo_secret=secret, feedback_delay_s=args.feedback_delay)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning"))

    def announce() -> None:
        # uvicorn sets `started` once the socket listens: only then is the address worth printing.
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            if record:
                _record_address(args.store.parent, f"http://{args.host}:{port}")
            print(f"演示税务局已启动：http://{args.host}:{port}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    finally:
        store.close()
        if record:
            _forget_address(args.store.parent)
    return 0


def _change(args: argparse.Namespace) -> int:
    import uuid
    from urllib.parse import quote

    import httpx

    data = args.data or _default_data()
    url = args.url or _recorded(data)["url"]
    secret_file = args.secret_file or _bureau_folder(data) / "demo-secret"
    secret = os.environ.get("SBF_DEMO_SECRET", "").strip()
    if not secret:
        try:
            secret = secret_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise CliError(f"未找到演示密钥文件 {secret_file}（可用 --secret-file 指定）") from None
    if not secret:
        raise CliError(f"演示密钥文件 {secret_file} 是空的")
    base = url.rstrip("/").removesuffix("/api/v1")
    try:
        resp = httpx.post(
            f"{base}/api/v1/demo/units/{quote(args.unit, safe='')}/changes",
            json={"count": args.count, "seed": args.seed},
            headers={"X-Sbf-Demo-Secret": secret, "Idempotency-Key": uuid.uuid4().hex},
            timeout=30, trust_env=False,
        )
    except httpx.HTTPError as exc:
        raise CliError(f"无法连接演示税务局（{base}），请确认它正在运行：{type(exc).__name__}") from None
    try:
        body = resp.json()
    except ValueError:
        raise CliError(f"演示税务局的应答不正确（状态 {resp.status_code}）") from None
    if resp.status_code != 200:
        print(f"{body.get('message')}（{body.get('code')}）", file=sys.stderr)
        return 1
    print(json.dumps(body, ensure_ascii=False))
    return 0


def _is_bureau_process(pid: int) -> bool:
    """Whether `pid` runs `sbflib.bureau` (so a reused pid is never signalled); True where /proc is
    missing and this cannot be told."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self").exists():
        return True
    try:
        args = cmdline.read_bytes()
    except OSError:
        return False
    # `python -m sbflib.bureau serve …` or `sbf bureau serve …`
    return b"sbflib.bureau" in args or b"\0bureau\0serve" in args


def _stop(args: argparse.Namespace) -> int:
    data = args.data or _default_data()
    recorded = _recorded(data)
    address = _bureau_folder(data) / "address.json"
    pid = recorded.get("pid")
    url = recorded["url"]
    if not isinstance(pid, int) or pid <= 1:
        address.unlink(missing_ok=True)
        print(f"地址文件未记录进程号，已删除 {address}；{url} 上的演示税务局如仍在运行，请手动停止")
        return 0
    if not _is_bureau_process(pid):
        address.unlink(missing_ok=True)
        print(f"演示税务局（进程 {pid}，{url}）已不在运行，已删除地址文件 {address}")
        return 0
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGTERM)  # the embedded bureau leads its own process group
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        address.unlink(missing_ok=True)
        print(f"演示税务局（进程 {pid}，{url}）已不在运行，已删除地址文件 {address}")
        return 0
    except PermissionError:
        raise CliError(f"无权停止进程 {pid}（{url}）") from None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _is_bureau_process(pid):
        time.sleep(0.1)
    address.unlink(missing_ok=True)
    print(f"已停止演示税务局（进程 {pid}，{url}），并删除地址文件 {address}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"seed": _seed, "serve": _serve, "change": _change, "stop": _stop}
    try:
        return commands[args.command](args)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return 2
