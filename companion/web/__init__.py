"""The web app: the youth chat at `/` and the counsellor console at `/console`, one FastAPI app.

`create_app(settings)` builds both Gradio pages on the service layer and mounts them. The
console sits behind a login (`/login`) with a signed session cookie; Gradio refuses its page
and API to anyone without one, and every console event checks the counsellor again itself.
Nothing is fetched from the internet at run time. This package calls the service layer and
never the other way round.
"""

from __future__ import annotations

import html
import logging
import os
import secrets
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home, before gradio loads

import gradio as gr  # noqa: E402
from fastapi import FastAPI, Form, Request  # noqa: E402
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response  # noqa: E402

from companion.errors import CompanionError  # noqa: E402
from companion.settings import Settings  # noqa: E402
from companion.web.auth import COOKIE, Sessions, YouthCookies, load_secret, same_origin  # noqa: E402
from companion.web.texts import load_web_texts  # noqa: E402

__all__ = ["create_app", "DEFAULT_HOST", "DEFAULT_PORT"]

log = logging.getLogger(__name__)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
PAGE_MAX_BODY_BYTES = 8 * 1024 * 1024  # Gradio events carry the chat history back; /api has its own limit
_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the quick-exit site must not learn where the youth came from
}


def accounts_for(companion: Any, settings: Settings) -> Any:
    """The counsellor accounts the service uses (its own, else on its store or the settings' database)."""
    accounts = getattr(companion, "accounts", None)
    if accounts is not None:
        return accounts
    from companion.counsellors import Accounts

    store = getattr(companion, "store", None)
    if store is None:
        from companion.store import open_store

        store = open_store(settings.database)
    return Accounts(
        store,
        max_failures=getattr(settings, "login_max_failures", 5),
        lockout_s=getattr(settings, "login_lockout_s", 900.0),
    )


def rate_limits(companion: Any, settings: Settings, secret: bytes) -> Any:
    """Rate limits counted in the service's store (shared by all app processes), if it has one."""
    store = getattr(companion, "store", None)
    if store is None:
        return None
    from companion.limits import RateLimits

    return RateLimits(
        store,
        secret,
        per_session=int(getattr(settings, "rate_session_per_min", 20)),
        per_address=int(getattr(settings, "rate_address_per_min", 120)),
    )


def _owns_session(chat: Any, request: Request) -> bool:
    """A youth page's event stream goes only to the visitor whose cookie the session is bound to."""
    owner = chat.owner(request.query_params.get("session_hash"))
    return owner is None or owner == chat.cookie_id(request)


class Gate:
    """Who is logged in to the console: the cookie, then the account (it may be disabled since)."""

    def __init__(self, sessions: Sessions, accounts: Any) -> None:
        self.sessions = sessions
        self.accounts = accounts

    def staff(self, cookies: Any) -> Any:
        """The active counsellor account behind this cookie, or None."""
        staff = self.sessions.read((cookies or {}).get(COOKIE))
        if staff is None:
            return None
        try:
            account = self.accounts.get(staff.username)
        except Exception:
            log.exception("checking a counsellor account failed")
            return None
        if account is None or not getattr(account, "active", True):
            return None
        return account

    def username(self, request: Request) -> str | None:
        """Gradio's auth_dependency: None means 401 for the console's page and API."""
        staff = self.staff(request.cookies)
        return staff.username if staff else None


def login_page(prompts_dir: Any, error: str = "", status_code: int = 200) -> HTMLResponse:
    t = load_web_texts(prompts_dir, "en")
    e = html.escape
    message = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(t["console_login_title"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#101828}}
label{{display:block;margin:.8rem 0 .2rem;font-weight:600}}input{{width:100%;padding:.6rem;font-size:1rem;
box-sizing:border-box;border:1px solid #98a2b3;border-radius:6px}}button{{margin-top:1rem;width:100%;padding:.7rem;
font-size:1rem;background:#175cd3;color:#fff;border:0;border-radius:6px}}.error{{color:#b42318}}</style></head>
<body><main><h1>{e(t["console_login_title"])}</h1>{message}
<form method="post" action="/login" autocomplete="off">
<label for="username">{e(t["console_username"])}</label>
<input id="username" name="username" autocomplete="username" required maxlength="64" autofocus>
<label for="password">{e(t["console_password"])}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button id="login" type="submit">{e(t["console_login"])}</button></form></main></body></html>"""
    # same-origin (not no-referrer): the form's post must carry its Origin for the CSRF check.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
    return HTMLResponse(body, status_code=status_code, headers=headers)


def create_app(settings: Settings, companion: Any = None) -> FastAPI:
    """The whole web app on the given settings; builds the companion if none is given."""
    from companion.web.api import BodyLimit, build_api, set_youth_cookie
    from companion.web.console import build_console
    from companion.web.console import css as console_css
    from companion.web.youth import CSS, YouthChat, build_youth, head_script

    if companion is None:
        from companion.service import build_companion

        companion = build_companion(settings)
    secret = load_secret(settings)
    gate = Gate(Sessions(secret), accounts_for(companion, settings))
    secure_cookie = bool(getattr(settings, "web_secure_cookie", False))
    youth_cookies = YouthCookies(secret, int(getattr(settings, "youth_cookie_max_age_s", 24 * 3600)))
    chat = YouthChat(companion, rate_limits(companion, settings, secret), youth_cookies)

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    api_limit = int(getattr(settings, "web_max_body_bytes", 64 * 1024))
    app.add_middleware(BodyLimit, limit=PAGE_MAX_BODY_BYTES, api_limit=api_limit, prompts_dir=settings.prompts_dir)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if path in ("/console", "/console/") and request.method == "GET" and gate.staff(request.cookies) is None:
            return RedirectResponse("/login", status_code=303)
        if path == "/gradio_api/queue/data" and not _owns_session(chat, request):
            return JSONResponse({"error": "this page session belongs to another visitor"}, status_code=403)
        response = await call_next(request)
        if path == "/" and request.method == "GET" and chat.cookie_id(request) is None:
            # The youth page's conversation cookie, made on the first visit (stored at the first message).
            set_youth_cookie(response, youth_cookies, secrets.token_urlsafe(18), secure_cookie)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if path.startswith("/console"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        if gate.staff(request.cookies) is not None:
            return RedirectResponse("/console/", status_code=303)
        return login_page(settings.prompts_dir)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
        t = load_web_texts(settings.prompts_dir, "en")
        if not same_origin(request.headers):
            return login_page(settings.prompts_dir, t["console_login_failed"], 403)
        try:
            counsellor = gate.accounts.authenticate(username[:64], password[:256])
        except CompanionError:
            return login_page(settings.prompts_dir, t["console_login_failed"], 401)
        response = RedirectResponse("/console/", status_code=303)
        response.set_cookie(
            COOKIE,
            gate.sessions.issue(counsellor.username, counsellor.role),
            max_age=gate.sessions.max_age_s,
            httponly=True,
            samesite="strict",
            secure=secure_cookie,
            path="/",
        )
        return response

    @app.post("/logout", include_in_schema=False)
    @app.get("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        gate.sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    app.mount("/api", build_api(chat, youth_cookies, secure_cookie))  # before the youth page takes "/"
    common = {"footer_links": [], "run_history": False, "show_error": False, "ssr_mode": False, "pwa": False}
    console = build_console(companion, gate)
    app = gr.mount_gradio_app(app, console, path="/console", auth_dependency=gate.username, css=console_css(), **common)
    youth = build_youth(chat, plan_secret=secret.decode()[:32])
    exit_url = load_web_texts(settings.prompts_dir, "en")["quick_exit_url"]
    app = gr.mount_gradio_app(app, youth, path="/", css=CSS, head=head_script(exit_url), **common)
    app.state.companion = companion
    app.state.youth = chat
    app.state.gate = gate
    return app
