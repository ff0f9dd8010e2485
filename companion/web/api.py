"""The youth chat as a small JSON API under /api, for apps, the load test and the fuzzers.

The conversation id rides only in the signed youth cookie (`companion.web.auth.YouthCookies`),
never in a URL or a body, so one youth's requests cannot reach another's conversation, and any
app process carries a conversation on from the store. Replies are generated whole (no stream).
A crisis reply is fixed and made without a model call; a message over a rate limit is still
stored and triaged, and a high-risk one still gets the queue and the crisis reply. Every error
is one JSON line (`{"error", "fix"}`), never a traceback.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Literal

import anyio
from anyio.lowlevel import RunVar
from fastapi import Cookie, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from companion.errors import CompanionError
from companion.language import detect_language
from companion.prompts import DEFAULT_LOCALE, load_hotlines
from companion.risk.levels import Level
from companion.web.auth import YOUTH_COOKIE, YouthCookies, same_origin
from companion.web.texts import guess_language, load_web_texts
from companion.web.youth import ChatState, Reply, YouthChat, client_address

log = logging.getLogger(__name__)  # never logs message text or a cookie

# Worker threads per app process. Triage (store, score, queue) and the wait for the model's
# answer run in separate pools, so requests waiting minutes on a saturated model can never
# keep a message in danger waiting for a thread.
POOL_THREADS = {"triage": 16, "answer": 64}
POOLS: RunVar[dict[str, anyio.CapacityLimiter]] = RunVar("companion_api_pools")
MAX_MESSAGE_ID = 2**31 - 1  # the largest id the store keeps


class ApiError(CompanionError):
    """A request the API refuses: a status code, one line saying why and what to do."""

    def __init__(self, status: int, message: str, fix: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message, fix)
        self.status = status
        self.headers = headers or {}
        self.body: dict[str, Any] = {}


# -- the shapes of requests and answers (they make /api/openapi.json) -------------------------


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: Literal["en", "zh"] | None = Field(None, description="Reply language; none follows each message.")
    locale: Literal["cn", "hk", "tw", "us", "uk"] | None = Field(None, description="Hotline region.")


class StartOut(BaseModel):
    language: Literal["en", "zh"] | None
    locale: Literal["cn", "hk", "tw", "us", "uk"] | None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The message as typed (at most 4,000 characters).")
    person_requested: bool = Field(False, description="Also ask for a person (queues at any level).")


class Source(BaseModel):
    n: int = Field(description="The passage's number, as cited in the reply: [n].")
    title: str
    doc_id: str
    cited: bool


class Hotline(BaseModel):
    number: str
    name: str


class Banner(BaseModel):
    level: str
    emergency_first: bool
    hotlines: list[Hotline]
    emergency: list[Hotline]


class MessageOut(BaseModel):
    message_id: int | None
    language: Literal["en", "zh"]
    level: str = Field(description="The message's own reading, on the shared risk scale.")
    conversation_level: str = Field(description="The conversation's level (the highest reached).")
    handoff: bool = Field(description="The conversation is queued for a person.")
    mode: str = Field(description="bot | waiting (for a person) | counsellor (a person has joined)")
    reply: str | None = Field(description="The companion's reply; null while a counsellor answers.")
    fixed: bool = Field(description="A fixed reply (crisis, or a rate-limit notice): no model wrote it.")
    follow_up: str | None
    sources: list[Source]
    with_counsellor: bool
    banner: Banner | None = Field(description="Hotlines to show, from `moderate` up.")


class StoredOut(BaseModel):
    id: int
    role: Literal["user", "companion", "counsellor", "notice"]
    text: str
    at: datetime


class MessagesOut(BaseModel):
    mode: str
    messages: list[StoredOut]


class ErrorOut(BaseModel):
    error: str
    fix: str = ""
    retry_after_s: int | None = None
    message: MessageOut | None = Field(None, description="With 429: the message was still kept and triaged.")


ERRORS = {
    401: {"model": ErrorOut, "description": "No conversation cookie, or it is forged or expired"},
    403: {"model": ErrorOut, "description": "A request from another site"},
    413: {"model": ErrorOut, "description": "The request body is too large"},
    422: {"model": ErrorOut, "description": "The request or the message is not valid (empty, too long)"},
    429: {"model": ErrorOut, "description": "Too many messages: wait Retry-After seconds"},
}


def banner(level: Level, locale: str, language: str, prompts_dir: Any) -> Banner | None:
    if level < Level.MODERATE:
        return None
    numbers = load_hotlines(prompts_dir)[locale]

    def entries(kind: str) -> list[Hotline]:
        return [Hotline(number=e["number"], name=e[language]) for e in numbers[kind]]

    return Banner(
        level=level.label,
        emergency_first=level >= Level.IMMINENT,
        hotlines=entries("hotlines"),
        emergency=entries("emergency"),
    )


def build_api(chat: YouthChat, cookies: YouthCookies, secure_cookie: bool = False) -> FastAPI:
    """The /api app on the youth chat's service, limits and cookie."""
    settings = chat.settings
    prompts_dir = settings.prompts_dir
    api = FastAPI(
        title="Companion youth chat API",
        version="1",
        description=__doc__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    def texts_for(request: Request, language: str | None = None) -> Any:
        return load_web_texts(prompts_dir, language or guess_language(request.headers.get("accept-language")))

    async def conversation_id(
        request: Request,
        cookie: str | None = Cookie(None, alias=YOUTH_COOKIE, description="Set by POST /conversations."),
    ) -> str:
        """The conversation in the signed youth cookie: the only way to name one."""
        found = cookies.read(cookie)
        if found is None:
            raise ApiError(401, texts_for(request)["api_no_conversation"], "POST /api/conversations")
        return found

    def same_site(request: Request) -> None:
        if not same_origin(request.headers):
            raise ApiError(403, texts_for(request)["api_cross_site"])

    async def in_pool(name: str, call: Any) -> Any:
        """Run `call` in the named thread pool ("triage" or "answer"), one set per event loop
        (a limiter belongs to its loop)."""
        try:
            pools = POOLS.get()
        except LookupError:
            pools = {name: anyio.CapacityLimiter(size) for name, size in POOL_THREADS.items()}
            POOLS.set(pools)
        return await anyio.to_thread.run_sync(call, limiter=pools[name])

    def state_for(request: Request, conversation_id: str, text: str = "") -> ChatState:
        """The page's view of a stored conversation, for the shared triage code."""
        conversation = chat.conversation(ChatState(conversation_id=conversation_id), stored_only=True)
        language = getattr(conversation, "language", None)
        locale = getattr(conversation, "locale", None)
        browser = guess_language(request.headers.get("accept-language"))
        ui = language or (detect_language(text) if text.strip() else browser)
        return ChatState(
            conversation_id=conversation_id, ui_language=ui, language_choice=language or "auto", locale=locale
        )

    @api.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        body = {"error": exc.message, "fix": exc.fix} | exc.body
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        problem = f"{where}: {first.get('msg', 'invalid')}"
        return JSONResponse({"error": texts_for(request)["api_bad_request"].format(problem=problem)}, status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.error("the API failed: %s", type(exc).__name__, exc_info=exc)
        numbers = load_hotlines(prompts_dir)[DEFAULT_LOCALE["en"]]
        line = texts_for(request)["error_generic"].format(hotline=numbers["hotlines"][0]["number"])
        return JSONResponse({"error": line}, status_code=500)

    @api.post("/conversations", response_model=StartOut, responses=ERRORS)
    def start(request: Request, body: StartIn | None = None) -> Any:
        """Start a conversation; its id goes only into the HttpOnly cookie this sets."""
        same_site(request)
        body = body or StartIn()
        if chat.limits is not None and chat.limits.hit(None, client_address(request)).flood:
            raise ApiError(429, chat.slow_down(ChatState(), 60), headers={"Retry-After": "60"})
        state = ChatState(language_choice=body.language or "auto", locale=body.locale)
        chat.start(state)
        response = JSONResponse({"language": body.language, "locale": body.locale})
        set_youth_cookie(response, cookies, state.conversation_id, secure_cookie)
        return response

    @api.post("/messages", response_model=MessageOut, responses=ERRORS)
    async def message(request: Request, body: MessageIn, conversation: str = Depends(conversation_id)) -> Any:
        """Triage one message and reply (whole, not streamed). Over the rate limit: 429 with
        Retry-After, but the message is still kept and triaged, and a crisis reply is still given."""
        same_site(request)
        began = time.perf_counter()

        def triage() -> tuple[ChatState, Reply]:
            state = state_for(request, conversation, body.text)
            address = client_address(request)
            return state, chat.triage(
                state, body.text, person=body.person_requested, address=address, keep_choices=True
            )

        state, reply = await in_pool("triage", triage)
        triaged = time.perf_counter()
        if reply.turn is None and not reply.limited:
            raise ApiError(422, reply.note)
        out = message_out(reply, prompts_dir)
        if reply.limited:
            seconds = str(max(1, reply.retry_after_s))
            error = ApiError(429, reply.note, headers={"Retry-After": seconds})
            error.body = {"retry_after_s": int(seconds), "message": out.model_dump(mode="json") if out else None}
            raise error
        turn = reply.turn
        if turn.answer is not None:

            def answer() -> MessageOut | None:
                chat.take_pending(state)  # generated here, not by the page's stream
                for _ in turn.answer.tokens():
                    pass
                chat.companion.record(turn)
                return message_out(reply, prompts_dir)

            out = await in_pool("answer", answer)
        log_timing(request, began, triaged, answered=turn.answer is not None)
        return out

    @api.post("/person", response_model=MessagesOut, responses=ERRORS)
    async def person(request: Request, conversation: str = Depends(conversation_id)) -> Any:
        """Ask for a person now, at any level (never rate limited); returns the notice."""
        same_site(request)

        def ask() -> MessagesOut:
            state = state_for(request, conversation)
            before = latest_id(chat, state.conversation_id)
            chat.request_person(state)
            return messages_out(chat, state.conversation_id, before)

        return await in_pool("triage", ask)

    @api.get("/messages", response_model=MessagesOut, responses=ERRORS)
    def messages(after: int = Query(0, ge=0, le=MAX_MESSAGE_ID), conversation: str = Depends(conversation_id)) -> Any:
        """Messages after id `after` (counsellors' messages and notices included), for polling."""
        return messages_out(chat, conversation, after)

    @api.post("/exit", status_code=204, response_model=None, responses=ERRORS)
    def leave(request: Request) -> Response:
        """Quick exit: forget this browser's conversation cookie (the conversation stays with
        the counsellors if it was queued)."""
        same_site(request)
        response = Response(status_code=204)
        response.delete_cookie(YOUTH_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookie)
        return response

    return api


def log_timing(request: Request, began: float, triaged: float, answered: bool) -> None:
    """One line per message request: how long it waited for a worker thread (from the moment
    the server received it, stamped by BodyLimit), how long triage took, and the model's answer."""
    received = getattr(request.state, "received_at", began)
    done = time.perf_counter()
    log.info(
        "message request: waited %.0f ms for a worker, triaged in %.0f ms, %s",
        1000 * (began - received),
        1000 * (triaged - began),
        f"answered in {1000 * (done - triaged):.0f} ms" if answered else "no model answer",
    )


def set_youth_cookie(response: Any, cookies: YouthCookies, conversation_id: str, secure: bool) -> None:
    """A session cookie (gone when the browser closes); the signature itself expires too."""
    response.set_cookie(
        YOUTH_COOKIE, cookies.issue(conversation_id), httponly=True, samesite="lax", secure=secure, path="/"
    )


def latest_id(chat: YouthChat, conversation_id: str) -> int:
    transcripts = chat.companion.transcripts
    try:
        stored = transcripts.messages(conversation_id)
    except CompanionError:
        return 0
    return stored[-1].id if stored else 0


def messages_out(chat: YouthChat, conversation_id: str, after: int) -> MessagesOut:
    transcripts = chat.companion.transcripts
    try:
        mode = transcripts.mode(conversation_id)
    except CompanionError:
        return MessagesOut(mode="bot", messages=[])  # a cookie whose first message is still to come
    stored = transcripts.messages(conversation_id, after=after)
    return MessagesOut(mode=mode, messages=[StoredOut(id=m.id, role=m.role, text=m.text, at=m.at) for m in stored])


def message_out(reply: Reply, prompts_dir: Any) -> MessageOut | None:
    turn = reply.turn
    if turn is None:
        return None
    conversation = turn.conversation
    locale = conversation.locale or DEFAULT_LOCALE[turn.language]
    answer = turn.answer
    sources = []
    if answer is not None:
        cited = answer.cited
        sources = [
            Source(n=n, title=p.title, doc_id=p.doc_id, cited=p in cited)
            for n, p in enumerate(answer.passages, start=1)
        ]
    if turn.with_counsellor:
        text = None
    elif reply.limited:
        text = reply.note
    elif turn.fixed is not None:
        text = turn.fixed
    else:
        text = answer.text if answer is not None else None
    return MessageOut(
        message_id=turn.message_id,
        language=turn.language,
        level=turn.assessment.level.label,
        conversation_level=turn.level.label,
        handoff=turn.decision.handoff or conversation.handed_off_at is not None,
        mode=conversation.mode,
        reply=text,
        fixed=turn.fixed is not None or reply.limited,
        follow_up=turn.follow_up,
        sources=sources,
        with_counsellor=turn.with_counsellor,
        banner=banner(turn.level, locale, turn.language, prompts_dir),
    )


class BodyLimit:
    """Refuses a request body over `limit` bytes with 413 before it is read whole: at once when
    Content-Length says so, else as soon as the chunks received pass the limit."""

    def __init__(self, app: Any, limit: int, api_limit: int, prefix: str = "/api", prompts_dir: Any = None) -> None:
        self.app = app
        self.limit = limit  # every path (the Gradio pages send their chat history back)
        self.api_limit = api_limit  # the JSON API: a message is at most 4,000 characters
        self.prefix = prefix
        self.prompts_dir = prompts_dir

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["received_at"] = time.perf_counter()  # see log_timing
        path = scope.get("path", "")
        limit = self.api_limit if path == self.prefix or path.startswith(self.prefix + "/") else self.limit
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(send, limit, 413 if length.isdigit() else 400)
            return
        received = 0
        started = refused = False

        async def counted() -> dict:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now; the app sees the client gone and whatever it answers is dropped.
                    if not started:
                        await self._refuse(send, limit, 413)
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: dict) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Any, limit: int, status: int) -> None:
        line = f"The request is too large (the limit is {limit} bytes). Send a shorter message."
        if self.prompts_dir is not None:
            line = load_web_texts(self.prompts_dir, "en")["api_body_too_large"].format(limit=limit)
        if status == 400:
            line = "The request's Content-Length is not a number."
        response = JSONResponse({"error": line}, status_code=status, headers={"Connection": "close"})
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> dict:
    return {"type": "http.disconnect"}
