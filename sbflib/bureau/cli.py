"""`python -m sbflib.bureau` / `sbf bureau`: seed a demo store, serve it, make demo changes."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sbf bureau", description="演示税务局 (the demo tax bureau)")
    sub = parser.add_subparsers(dest="command", required=True)

    seed = sub.add_parser("seed", help="write a reproducible demo store and demo.json beside it")
    seed.add_argument("--store", required=True, type=Path, help="bureau DuckDB file")
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument("--employees", type=int, default=2000, help="employees of the main demo unit")
    seed.add_argument("--residents", type=int, default=1000)
    seed.add_argument("--force", action="store_true", help="overwrite an existing store")

    serve = sub.add_parser("serve", help="serve the bureau API with uvicorn")
    serve.add_argument("--store", required=True, type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--demo", action="store_true", help="enable the /demo calls")
    serve.add_argument("--seed-if-missing", action="store_true", help="seed the store first if it is missing")
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--employees", type=int, default=2000)
    serve.add_argument("--residents", type=int, default=1000)

    change = sub.add_parser("change", help="demo: change employees of a unit (needs a --demo bureau)")
    change.add_argument("--url", default="http://127.0.0.1:8765", help="bureau base URL")
    change.add_argument("--unit", required=True)
    change.add_argument("--count", type=int, default=10)
    change.add_argument("--seed", type=int, default=1)
    return parser


def _seed(args: argparse.Namespace) -> int:
    from .seed import seed

    started = time.perf_counter()
    try:
        summary = seed(args.store, seed=args.seed, employees=args.employees,
                       residents=args.residents, force=args.force)
    except FileExistsError as exc:
        print(f"拒绝覆盖：{exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - started
    print(f"seeded {args.store} with {len(summary['units'])} units in {took:.1f} s")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .seed import seed
    from .store import BureauStore

    if not args.store.exists():
        if not args.seed_if_missing:
            print(f"{args.store} does not exist (use --seed-if-missing or `seed`)", file=sys.stderr)
            return 2
        seed(args.store, seed=args.seed, employees=args.employees, residents=args.residents)
    store = BureauStore(args.store)
    app = create_app(store, demo_mode=args.demo)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning"))

    def announce() -> None:
        # uvicorn sets `started` once the socket listens: only then is the address worth printing.
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            print(f"bureau listening on http://{args.host}:{port}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    finally:
        store.close()
    return 0


def _change(args: argparse.Namespace) -> int:
    import httpx

    base = args.url.rstrip("/").removesuffix("/api/v1")
    resp = httpx.post(f"{base}/api/v1/demo/units/{args.unit}/changes",
                      json={"count": args.count, "seed": args.seed}, timeout=30)
    body = resp.json()
    if resp.status_code != 200:
        print(f"{body.get('code')}: {body.get('message')}", file=sys.stderr)
        return 1
    print(json.dumps(body, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"seed": _seed, "serve": _serve, "change": _change}[args.command](args)
