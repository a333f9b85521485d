"""The `sbf` command.

    sbf run [--port N] [--data DIR] [--gateway URL]   serve the dashboards with Voila on 127.0.0.1
    sbf bureau ...                                     the demo bureau's own commands
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import sbflib
from sbflib.gateway import local

PACKAGE_DIR = Path(sbflib.__file__).resolve().parent
SHARE_DIR = PACKAGE_DIR / "ui" / "share" / "jupyter"


def dashboards_dir() -> Path:
    """`dashboards/` beside the package (a source checkout or an editable install)."""
    env = os.environ.get("SBF_DASHBOARDS")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parent / "dashboards"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def voila_command(port: int, token: str, notebook: Path | None = None) -> list[str]:
    """The Voila command line for the app notebook with the project's config (VOILA-NOTES)."""
    dash = dashboards_dir()
    notebook = notebook or dash / "app.ipynb"
    return [
        sys.executable, "-m", "voila", str(notebook),
        f"--Voila.config_file_paths={dash}",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--token={token}",
        "--no-browser",
        "--template=sbf",
        "--preheat_kernel=True",
        "--pool_size=1",
        "--show_tracebacks=False",
    ]


def voila_env(data_dir: str | None = None, gateway_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(SHARE_DIR)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    if data_dir:
        env["SBF_DATA_DIR"] = str(Path(data_dir).resolve())
    if gateway_url:
        env["SBF_GATEWAY_URL"] = gateway_url
    return env


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="sbf run", description="在本机浏览器中打开社保费管理客户端")
    p.add_argument("--port", type=int, default=0, help="端口（默认随机空闲端口）")
    p.add_argument("--data", default=None, help="数据目录（默认 ./data 或 $SBF_DATA_DIR）")
    p.add_argument("--gateway", default=None, help="税务端地址（默认本机演示税务端）")
    args = p.parse_args(argv)
    # Resolved here: Voila's kernels run in dashboards/, where a relative ./data would be another folder.
    data_dir = Path(args.data or os.environ.get("SBF_DATA_DIR") or "data").resolve()
    started_bureau = False
    if not args.gateway:
        # Seed and start the demo bureau now, so the first page does not wait for it; every kernel
        # finds it through data/bureau/address.json. One we started stops with us.
        started_bureau = local.running_local_bureau(data_dir) is None
        print("正在启动本机演示税务局…", flush=True)
        url = local.ensure_local_bureau(data_dir)
        print(f"演示税务局: {url}（演示单位见 {data_dir / 'bureau' / 'demo.json'}）", flush=True)
    port = args.port or free_port()
    token = secrets.token_urlsafe(24)
    cmd = voila_command(port, token)
    print(f"打开浏览器访问: http://127.0.0.1:{port}/?token={token}", flush=True)
    proc = subprocess.Popen(cmd, env=voila_env(str(data_dir), args.gateway), cwd=str(dashboards_dir()))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130
    finally:
        if started_bureau:
            local.stop_local_bureau(data_dir)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run(rest)
    if command == "bureau":
        from sbflib.bureau.cli import main as bureau_main  # imported lazily: the client never needs it

        return int(bureau_main(rest) or 0)
    print(f"未知命令：{command}\n\n{__doc__.strip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
