"""Demo-only calls (`/api/v1/demo/...`): they need the demo secret that only whoever started the
bureau holds (`<data>/bureau/demo-secret` for the embedded one), sent as `X-Sbf-Demo-Secret`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from sbflib.errors import StateError
from sbflib.gateway.http import Http, path, required, unit_part

SECRET_HEADER = "X-Sbf-Demo-Secret"
SECRET_FILE = "demo-secret"


def read_demo_secret(bureau_folder: Path) -> str | None:
    """The demo secret beside a bureau store, or None when the bureau has not written one."""
    try:
        return (Path(bureau_folder) / SECRET_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class DemoApi:
    """`client.demo`. The secret is `client.demo_secret` (read from the data folder for the
    embedded bureau; set it yourself for another demo bureau)."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def _headers(self) -> dict[str, str]:
        if not self._http.demo_secret:
            raise StateError("演示功能需要演示密钥：请使用本机演示税务局，或先设置 demo_secret")
        return {SECRET_HEADER: self._http.demo_secret}

    def change_employees(self, unit_id: str, count: int, seed: int | None = None) -> list[str]:
        """Change `count` employees of a unit so an incremental update has work."""
        body: dict[str, Any] = {"count": count}
        if seed is not None:
            body["seed"] = seed
        data = self._http.send_json("POST", path("demo", "units", unit_part(unit_id), "changes"), body,
                                    headers=self._headers())
        return list(required(data, "changed"))

    def reset_password(self, unit_id: str) -> None:
        """Back to the initial password, lock and sessions cleared."""
        self._http.send_json("POST", path("demo", "units", unit_part(unit_id), "reset-password"), {},
                             headers=self._headers())

    def inject_fault(self, path_prefix: str, method: str, mode: Literal["drop", "delay", "fail"],
                     times: int = 1, seconds: float = 5.0) -> None:
        """Make the bureau drop, delay or fail the next `times` matching requests (tests)."""
        body = {"path_prefix": path_prefix, "method": method, "mode": mode, "times": times, "seconds": seconds}
        self._http.send_json("POST", path("demo", "faults"), body, headers=self._headers())

    def set_feedback_delay(self, seconds: float) -> None:
        """How long the bureau waits before deciding a wage filing (its worker's delay; 5 s by default)."""
        self._http.send_json("POST", path("demo", "settings"), {"feedback_delay_s": seconds}, headers=self._headers())

    def clear_faults(self) -> None:
        self._http.request("DELETE", path("demo", "faults"), headers=self._headers())
