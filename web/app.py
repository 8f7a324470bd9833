"""The dashboard as a FastAPI application: `create_app(settings, gateway)`.

Pages are rendered on the server (Jinja2, autoescaped) and enhanced with htmx, served
from `web/static` (nothing from a CDN). Every page needs a login except the login page
itself and the signed submit link; every unsafe request needs a CSRF token (checked for
the whole app in one dependency, so a new form cannot forget it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from store import db as store_db
from store.base import utcnow
from store.evidence import EvidenceStore
from web import formatting
from web.deps import AppState, Forbidden, LoginRequired, NotFound, render
from web.gateway import WorkflowGateway
from web.limits import BodyLimit
from web.params import check_bounded
from web.routes import ROUTERS
from web.security import FORM_LIMITS, CsrfRefused, check_csrf, security_headers
from web.settings import WebSettings

HERE = Path(__file__).resolve().parent
BAD_TITLE = "Yêu cầu không hợp lệ"
BAD_REQUEST = "Địa chỉ hoặc biểu mẫu có giá trị không hợp lệ. Hãy quay lại trang trước rồi thử lại."
BAD_FORM = (
    "Biểu mẫu gửi lên có nhiều tệp hoặc nhiều trường hơn trang này nhận. "
    "Hãy tải lại trang rồi gửi lại."
)
BAD_METHOD = "Trang này không nhận yêu cầu kiểu này."


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every page, every fragment: names are data, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.FILTERS)
    env.globals.update(event_label=formatting.event_label, event_text=formatting.event_text)
    env.globals.update(
        channel_vi=formatting.CHANNEL_VI, outbox_status_vi=formatting.OUTBOX_STATUS_VI
    )
    env.globals.update(source_vi=formatting.SOURCE_VI)
    return Jinja2Templates(env=env)


def create_app(
    settings: WebSettings,
    gateway: WorkflowGateway,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """The dashboard on the store at `settings.database_url`, acting through `gateway`
    (`clock`: tests on Temporal's time-skipping server give the server's time)."""
    engine = store_db.create_engine(settings.database_url)
    state = AppState(
        settings=settings,
        gateway=gateway,
        engine=engine,
        reader=store_db.session_factory(engine),
        writer=store_db.session_factory(engine, writes=True),
        templates=_templates(),
        evidence=EvidenceStore(settings.data_dir, settings.upload_max_bytes),
        clock=clock,
    )

    async def csrf(request: Request) -> None:
        await check_csrf(request, settings.secret, settings.public_url)

    app = FastAPI(
        title="hanchot",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf)],
        form_limits=FORM_LIMITS,
    )
    app.state.hanchot = state
    # The last added runs first: the security headers wrap everything, the 413 included.
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes)
    app.middleware("http")(security_headers(settings.secure_cookies))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _errors(app)
    check_bounded(app)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/login?next={quote(target, safe='')}"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Exception) -> HTMLResponse:
        return render(
            request,
            "error.html",
            403,
            title="Không có quyền",
            message="Tài khoản của bạn không được phép xem hoặc làm việc này.",
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _: Exception) -> HTMLResponse:
        return render(
            request,
            "error.html",
            404,
            title="Không tìm thấy",
            message="Trang hoặc mục này không có, hoặc nằm ngoài phạm vi của bạn.",
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        # A path that names no possible row is a page that does not exist.
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return await not_found(request, exc)
        return render(request, "error.html", 400, title=BAD_TITLE, message=BAD_REQUEST)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return await not_found(request, exc)
        if exc.status_code == 405:
            return render(request, "error.html", 405, title=BAD_TITLE, message=BAD_METHOD)
        if exc.status_code == 400:  # a form over its limits (files, fields, part size)
            return render(request, "error.html", 400, title=BAD_TITLE, message=BAD_FORM)
        return render(request, "error.html", exc.status_code, title=BAD_TITLE, message=BAD_REQUEST)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: Exception) -> HTMLResponse:
        return render(
            request,
            "error.html",
            403,
            title="Biểu mẫu không hợp lệ",
            message="Biểu mẫu đã hết hạn hoặc không gửi từ trang của hanchot. "
            "Hãy tải lại trang rồi thử lại.",
        )
