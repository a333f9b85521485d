"""The bureau's FastAPI application (管理子系统 / 征收子系统 of the demo tax bureau)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from . import declarations
from .errors import install_handlers, refusals
from .middleware import FaultInjection, FaultPlan, Idempotency, RequestGuard
from .roster import FullRosterCache
from .routes import agreements as agreement_routes
from .routes import certificates as certificate_routes
from .routes import collection as collection_routes
from .routes import declarations as declaration_routes
from .routes import demo, public, roster, sessions, units
from .routes import refunds as refund_routes
from .routes import wages as wage_routes
from .security import ensure_demo_secret
from .store import BureauStore
from .wages import DEFAULT_FEEDBACK_DELAY_S, MAX_BODY_BYTES, FeedbackSettings, FeedbackWorker

API_PREFIX = "/api/v1"


def create_app(store: BureauStore, *, demo_mode: bool = False, demo_secret: str | None = None,
               feedback_delay_s: float = DEFAULT_FEEDBACK_DELAY_S) -> FastAPI:
    """The app over an open store; `demo_mode` enables the /demo calls, for callers that send
    `demo_secret` (by default the `demo-secret` file beside the store, created when missing).
    Wage filings are decided `feedback_delay_s` after they arrive, by a worker thread that runs
    while the app does (and on read)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = FeedbackWorker(store, also=(declarations.decide_due,))
        worker.start()
        try:
            yield
        finally:
            worker.stop()

    app = FastAPI(
        title="演示税务局 社保费接口",
        version="1.0",
        description="The bureau API of docs/api.md: what the 社保费管理客户端 talks to.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.demo = demo_mode
    app.state.demo_secret = (demo_secret or ensure_demo_secret(store.path.parent)) if demo_mode else None
    app.state.roster_cache = FullRosterCache()
    app.state.wage_settings = FeedbackSettings(feedback_delay_s)
    # Every call may meet the request guards: an address that is not UTF-8 (400), a body over 1 MB (413).
    api = APIRouter(prefix=API_PREFIX, responses=refusals(400, 413))
    for module in (public, units, sessions, roster, wage_routes, declaration_routes, collection_routes,
                   agreement_routes, certificate_routes, refund_routes, demo):
        api.include_router(module.router)
    api.include_router(demo.faults_router)
    api.include_router(demo.settings_router)
    app.include_router(api)
    install_handlers(app)
    app.state.faults = FaultPlan()
    app.add_middleware(Idempotency, store=store)
    app.add_middleware(FaultInjection, plan=app.state.faults)
    app.add_middleware(RequestGuard, large_bodies=((wage_routes.FILING_PATH, MAX_BODY_BYTES),))
    return app
