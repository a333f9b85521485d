"""The `sbf` command.

    sbf run [--port N] [--data DIR] [--gateway URL]   serve the dashboards with Voila on 127.0.0.1
    sbf demo [--data DIR]                              list the demo units to try, with their passwords
    sbf bureau ...                                     the demo bureau's own commands (seed, serve, change, stop)
    sbf install --module employer|collector [--data DIR]   install a business module (添加业务); repeatable
    sbf repair [--data DIR] [--no-pip]                 修复: program files, data folder layout, templates, store check

`sbf run` stopped by Ctrl-C or SIGTERM stops Voila (with its kernels) and the demo bureau it started.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import sbflib
from sbflib.errors import SbfError
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


def _data_dir(arg: str | None) -> Path:
    # Resolved here: Voila's kernels run in dashboards/, where a relative ./data would be another folder.
    return Path(arg or os.environ.get("SBF_DATA_DIR") or "data").resolve()


class _Stop(Exception):
    """SIGTERM arrived: unwind `run` so it stops what it started."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _stop_process_group(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM to Voila's process group (Voila and its kernels), SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # kernels that outlived Voila
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="sbf run", description="在本机浏览器中打开社保费管理客户端")
    p.add_argument("--port", type=int, default=0, help="端口（默认随机空闲端口）")
    p.add_argument("--data", default=None, help="数据目录（默认 ./data 或 $SBF_DATA_DIR）")
    p.add_argument("--gateway", default=None, help="税务端地址（默认本机演示税务端）")
    args = p.parse_args(argv)
    data_dir = _data_dir(args.data)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    started_bureau = False
    proc: subprocess.Popen[bytes] | None = None
    try:
        if not args.gateway:
            # Seed and start the demo bureau now, so the first page does not wait for it; every kernel
            # finds it through data/bureau/address.json. One we started stops with us.
            started_bureau = local.running_local_bureau(data_dir) is None
            print("正在启动本机演示税务局…", flush=True)
            url = local.ensure_local_bureau(data_dir)
            print(f"演示税务局: {url}（可用的演示单位和密码：sbf demo --data {data_dir}）", flush=True)
        port = args.port or free_port()
        token = secrets.token_urlsafe(24)
        cmd = voila_command(port, token)
        print(f"打开浏览器访问: http://127.0.0.1:{port}/?token={token}", flush=True)
        # Its own process group, so stopping it takes its kernels too.
        proc = subprocess.Popen(cmd, env=voila_env(str(data_dir), args.gateway), cwd=str(dashboards_dir()),
                                start_new_session=True)
        return proc.wait()
    except (KeyboardInterrupt, _Stop):
        print("正在停止…", flush=True)
        return 130
    except SbfError as exc:
        print(f"{exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, _on_sigterm)  # a second SIGTERM while stopping is the same request
        try:
            if proc is not None:
                _stop_process_group(proc)
            if started_bureau:
                local.stop_local_bureau(data_dir)
        except _Stop:
            pass
        signal.signal(signal.SIGTERM, previous)


MODULE_LABELS = {"employer": "用人单位", "collector": "代收单位"}


def demo_units_text(demo: dict[str, Any]) -> str:
    """The demo units a newcomer can try, from `demo.json`, in Chinese (spare units for tests left out)."""
    regions = {r["code"]: r["name"] for r in demo.get("regions", [])}
    units = [u for u in demo.get("units", []) if u.get("role") != "spare"]
    per_taxpayer: dict[tuple[str, str], list[str]] = {}
    for u in units:
        per_taxpayer.setdefault((u["taxpayer_id"], u["module"]), []).append(u["unit_id"])
    lines = ["演示单位（添加单位时输入纳税人识别号，再选择单位、输入初始申报密码；首次登录须修改密码）：", ""]
    header = ("地区", "纳税人识别号", "单位", "业务模块", "初始申报密码", "单位名称")
    lines.append("  ".join(header))
    for u in units:
        region = regions.get(u["region"], u["region"])
        module = MODULE_LABELS.get(u["module"], u["module"])
        note = ""
        if len(per_taxpayer[(u["taxpayer_id"], u["module"])]) > 1:
            note = "（该纳税人识别号下有" + str(len(per_taxpayer[(u["taxpayer_id"], u["module"])])) + "个单位）"
        lines.append("  ".join((region, u["taxpayer_id"], u["unit_id"], module, u["password"], u["name"] + note)))
    mains = [u for u in units if u.get("role") == "main"]
    if mains:
        main = mains[0]
        others = [x for x in per_taxpayer[(main["taxpayer_id"], main["module"])] if x != main["unit_id"]]
        if others:
            count = "两" if len(others) == 1 else str(len(others) + 1)
            lines += ["", (f"主演示纳税人识别号 {main['taxpayer_id']} 下有{count}个单位（{main['unit_id']} 和 "
                           f"{'、'.join(others)}），添加单位时可在“选择单位”中任选其一。")]
    lines.append("初始申报密码为单位编号后6位（代收单位为纳税人识别号后6位）；修改过的密码以您修改后的为准。")
    return "\n".join(lines)


def demo(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="sbf demo", description="列出可以试用的演示单位及其初始申报密码")
    p.add_argument("--data", default=None, help="数据目录（默认 ./data 或 $SBF_DATA_DIR）")
    args = p.parse_args(argv)
    data_dir = _data_dir(args.data)
    demo_file = data_dir / "bureau" / "demo.json"
    try:
        if not demo_file.exists() or local.running_local_bureau(data_dir) is None:
            print("正在启动本机演示税务局…", file=sys.stderr, flush=True)
            local.ensure_local_bureau(data_dir)
        text = demo_units_text(json.loads(demo_file.read_text(encoding="utf-8")))
    except SbfError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError):
        print(f"演示数据文件无法读取：{demo_file}", file=sys.stderr)
        return 2
    print(text)
    return 0


def install(argv: list[str]) -> int:
    """`sbf install --module ...`: record the modules (用人单位业务 / 代收单位业务) in the data folder."""
    from sbflib.system.modules import MODULES, ModuleService

    p = argparse.ArgumentParser(prog="sbf install", description="安装业务：用人单位业务（employer）、代收单位业务（collector）")
    p.add_argument("--module", action="append", choices=list(MODULES), required=True, help="要安装的业务，可重复")
    p.add_argument("--data", default=None, help="数据目录（默认 ./data 或 $SBF_DATA_DIR）")
    args = p.parse_args(argv)
    try:
        status = ModuleService(_data_dir(args.data)).install_many(args.module)
    except SbfError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for s in status:
        print(f"{s.label}：{s.state}")
    return 0


def repair(argv: list[str]) -> int:
    """`sbf repair`: 修复 without touching data; exit 0 when everything is sound afterwards."""
    from sbflib.system.modules import ModuleService

    p = argparse.ArgumentParser(prog="sbf repair", description="修复客户端：程序文件、数据目录、模板与配置，并检查本地数据库")
    p.add_argument("--data", default=None, help="数据目录（默认 ./data 或 $SBF_DATA_DIR）")
    p.add_argument("--no-pip", action="store_true", help="只给出重新安装程序的命令，不运行")
    args = p.parse_args(argv)
    try:
        report = ModuleService(_data_dir(args.data)).repair(run_pip=False if args.no_pip else None)
    except SbfError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(report.text)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run(rest)
    if command == "demo":
        return demo(rest)
    if command == "install":
        return install(rest)
    if command == "repair":
        return repair(rest)
    if command == "bureau":
        from sbflib.bureau.cli import main as bureau_main  # imported lazily: the client never needs it

        return int(bureau_main(rest) or 0)
    print(f"未知命令：{command}\n\n{__doc__.strip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
