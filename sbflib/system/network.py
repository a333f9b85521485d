"""网络设置 / 网络管理 (SET-1): a proxy for every bureau call, tested before it is saved."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sbflib.errors import ValidationError, service_edge
from sbflib.gateway.client import ProxyConfig
from sbflib.store import settings as settings_repo
from sbflib.store.secrets import SecretBox
from sbflib.system.context import Context

PROXY_KINDS = ("http", "socks5")
TEST_DEADLINE = 10.0  # seconds the 测试 button may take in all, the proxy's handshake included


@dataclass(frozen=True)
class ProxySettings:
    enabled: bool = False
    kind: str = "http"
    host: str = ""
    port: int = 0
    username: str = ""
    has_password: bool = False


def _validate(settings: ProxySettings) -> None:
    if not isinstance(settings, ProxySettings):
        raise ValidationError("代理设置不完整", field="代理")
    if not settings.enabled:
        return
    if settings.kind not in PROXY_KINDS:
        raise ValidationError("代理类型只能是 http 或 socks5", field="代理类型")
    if not isinstance(settings.host, str) or not settings.host.strip():
        raise ValidationError("请输入代理服务器地址", field="地址")
    if any(c.isspace() or c in "/@?#" for c in settings.host.strip()):
        raise ValidationError("代理服务器地址格式不正确", field="地址")
    if not isinstance(settings.port, int) or isinstance(settings.port, bool) or not 1 <= settings.port <= 65535:
        raise ValidationError("端口应为1至65535之间的整数", field="端口")


@service_edge
class NetworkService:
    def __init__(self, ctx: Context, secrets: SecretBox) -> None:
        self.ctx = ctx
        self.secrets = secrets
        self.test_deadline = TEST_DEADLINE

    def _saved(self) -> dict | None:
        with self.ctx.store.read() as con:
            saved = settings_repo.read(con, "proxy")
        return dict(saved) if saved else None

    def load(self) -> ProxySettings:
        saved = self._saved()
        if not saved:
            return ProxySettings()
        sealed = saved.pop("password_sealed", None)
        return ProxySettings(**saved, has_password=bool(sealed))

    def proxy_config(self) -> ProxyConfig | None:
        """The saved proxy as the gateway needs it, or None for a direct connection."""
        saved = self._saved()
        if not saved or not saved.get("enabled"):
            return None
        password = self.secrets.open(saved["password_sealed"]) if saved.get("password_sealed") else ""
        return ProxyConfig(saved["kind"], saved["host"], int(saved["port"]), saved.get("username", ""), password or "")

    def _password_for(self, settings: ProxySettings, password: str | None) -> str:
        if password is not None:
            return password
        if settings.has_password:  # keep the saved one when the form left the field empty
            current = self.proxy_config()
            return current.password if current else ""
        return ""

    def test(self, settings: ProxySettings, password: str | None = None) -> str:
        """测试: reach the bureau through the proxy (or directly) within `test_deadline` seconds.
        Returns the success message; ConnectionFailed in Chinese otherwise."""
        _validate(settings)
        proxy = None
        if settings.enabled:
            proxy = ProxyConfig(settings.kind, settings.host.strip(), settings.port, settings.username.strip(),
                                self._password_for(settings, password))
        budget = float(self.test_deadline)
        probe = self.ctx.client.derive(proxy=proxy, deadline=budget, timeout=budget, retries=1, relocate=None)
        try:
            probe.reference.health()
        finally:
            probe.close()
        return "网络连接测试成功" if not settings.enabled else "代理服务器测试成功，可以连接税务局服务"

    def save(self, settings: ProxySettings, password: str | None = None) -> None:
        """保存: test first; only a working setting is saved, then every call uses it."""
        self.test(settings, password)
        record = asdict(settings)
        record.pop("has_password")
        record["host"] = settings.host.strip()
        record["username"] = settings.username.strip()
        secret = self._password_for(settings, password) if settings.enabled else ""
        record["password_sealed"] = self.secrets.seal(secret) if secret else None
        with self.ctx.store.work() as con:
            settings_repo.write(con, "proxy", record)
        old = self.ctx.client
        self.ctx.client = old.derive(proxy=self.proxy_config())
        old.close()
