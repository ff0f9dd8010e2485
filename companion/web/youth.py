"""The youth chat: a Gradio page over `Companion.handle_message`, streaming replies with sources.

Each visitor's conversation id (random, 144 bits) rides only in a signed, HttpOnly cookie
(`companion.web.auth.YouthCookies`), never in a URL, a form field or the Gradio session: every
event reads the cookie, so any app process carries the conversation on from the store, and
knowing another visitor's Gradio session hash gives nothing. Scoring and queueing run before the
chat model and never wait for it; rate limits never silence a message that shows danger.
Input is cleaned of invisible characters before scoring; nothing here ever lowers a level.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from companion.errors import CompanionError
from companion.language import Language
from companion.limits import ALLOWED, RateLimits
from companion.prompts import DEFAULT_LOCALE, LOCALES, load_hotlines
from companion.risk import patterns
from companion.risk.levels import Level
from companion.service import MAX_MESSAGE_CHARS, Conversation, MessageError, Turn
from companion.web.auth import YOUTH_COOKIE, YouthCookies
from companion.web.safety_plan import SECTIONS, clean_plan, render_plan
from companion.web.texts import LANGUAGE_NAMES, WebTexts, guess_language, guess_locale, load_web_texts, locale_choices

log = logging.getLogger(__name__)

POLL_S = 2.0  # how often the page asks whether a counsellor has written
MODES = ("bot", "waiting", "counsellor")
PRIVATE = {"api_visibility": "private"}  # no documented API for the page's own events
LONG_MESSAGE_CHARS = 1000  # each this many characters count as one more message for the rate limits
MAX_CACHED = 2000  # conversations kept in memory; older ones are reloaded from the store


def clean_text(text: object) -> str:
    """The message as typed, without control or invisible format characters (zero-width
    spaces, bidi overrides), which could split a risky word; newlines and tabs are kept."""
    if not isinstance(text, str):
        return ""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))


def client_address(request: Any) -> str | None:
    """The client's address as the server sees it (uvicorn applies X-Forwarded-For only from
    the proxies in FORWARDED_ALLOW_IPS). Used only for rate limits, hashed."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) if client is not None else None


def crisis_banner(level: Level, locale: str, language: Language, texts: WebTexts, prompts_dir: Any) -> str:
    """The banner shown from `moderate` up: the locale's hotlines, with emergency numbers first
    at `imminent`. Empty below `moderate`."""
    if level < Level.MODERATE:
        return ""
    numbers = load_hotlines(prompts_dir)[locale if locale in LOCALES else DEFAULT_LOCALE[language]]

    def tel(entry: dict) -> str:
        number = html.escape(entry["number"])
        first = entry["number"].split("/")[0].replace(" ", "")
        return f'<a href="tel:{html.escape(first)}"><strong>{number}</strong></a> {html.escape(entry[language])}'

    emergency = " · ".join(tel(e) for e in numbers["emergency"])
    hotlines = "".join(f"<li>{tel(h)}</li>" for h in numbers["hotlines"])
    urgent = level >= Level.IMMINENT
    first = (
        f'<p class="banner-emergency">{html.escape(texts["banner_emergency_first"])} {emergency}</p>' if urgent else ""
    )
    last = "" if urgent else f'<p class="banner-emergency">{html.escape(texts["banner_emergency"])} {emergency}</p>'
    return (
        f'<div class="crisis-banner level-{level.label}" role="alert" data-level="{level.label}">'
        f'<p class="banner-title"><strong>{html.escape(texts["banner_title"])}</strong></p>{first}'
        f"<p>{html.escape(texts['banner_hotlines'])}</p><ul>{hotlines}</ul>{last}</div>"
    )


def sources_note(answer: Any, texts: WebTexts) -> str:
    """The sources line under a generated reply, as the CLI prints it."""
    cited = answer.cited
    if cited and not answer.attributed:
        items = [f"[{n}] {p.title}" for n, p in enumerate(answer.passages, start=1) if p in cited]
        head = texts["sources"]
    elif cited or answer.passages:
        items = [p.title for p in (cited or answer.passages)]
        head = texts["related"]
    else:
        return f"\n\n<small>{texts['no_sources']}</small>"
    return f"\n\n<small>**{head}:** " + " · ".join(items) + "</small>"


def plain(history: Any) -> list[dict]:
    """Gradio's chatbot value as [{role, content: str}] (it sends content as a list of parts)."""
    out = []
    for message in history or []:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        out.append({"role": message["role"], "content": content if isinstance(content, str) else ""})
    return out


@dataclass
class ChatState:
    """What the page remembers about its visitor in the Gradio session (none of it is needed to
    carry the conversation on: that lives in the store, reached through the signed cookie)."""

    conversation_id: str | None = None  # from the youth cookie; a session stays bound to one
    ui_language: Language = "en"
    language_choice: str = "auto"  # "auto" | "en" | "zh"
    locale: str | None = None  # chosen or from the browser's region; None follows the language
    level: int = 0
    mode: str = "bot"
    seen: Any = None  # last counsellor message already shown
    notes: list[str] = field(default_factory=list)

    @property
    def shown_locale(self) -> str:
        return self.locale or DEFAULT_LOCALE[self.ui_language]


@dataclass
class Reply:
    """What one message got: a turn (stored and triaged), or only a friendly note."""

    turn: Turn | None
    note: str = ""
    retry_after_s: int = 0
    limited: bool = False  # over a rate limit: no model call (a crisis reply is still given)


def in_danger(text: str) -> bool:
    """The pattern layer (microseconds) sees a plan, means, an attempt or active intent."""
    return any(hit.level >= Level.HIGH for hit in patterns.match(text))


class YouthChat:
    """The youth-side logic behind the page and the HTTP API: conversations by id (from the
    signed cookie), rate limits, turns waiting to stream, polling."""

    def __init__(self, companion: Any, limits: RateLimits | None = None, cookies: YouthCookies | None = None) -> None:
        self.companion = companion
        self.settings = companion.settings
        self.limits = limits
        self.cookies = cookies
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._pending: dict[str, Turn] = {}
        self._owners: OrderedDict[str, str] = OrderedDict()  # Gradio session hash -> conversation id
        self._lock = threading.Lock()

    def texts(self, language: Language) -> WebTexts:
        return load_web_texts(self.settings.prompts_dir, language)

    # -- conversations: the service stores them; this process keeps the recent ones at hand --
    def start(self, state: ChatState) -> Conversation:
        language = None if state.language_choice == "auto" else state.language_choice
        conversation = self.companion.start_conversation(language=language, locale=state.locale)
        self._keep(conversation)
        state.conversation_id = conversation.id
        state.seen = getattr(conversation, "last_message_id", 0)
        return conversation

    def _keep(self, conversation: Conversation) -> None:
        with self._lock:
            self._conversations[conversation.id] = conversation
            self._conversations.move_to_end(conversation.id)
            while len(self._conversations) > MAX_CACHED:
                self._conversations.popitem(last=False)

    def conversation(self, state: ChatState, stored_only: bool = False) -> Conversation | None:
        """The state's conversation: at hand, else from the store (another process may have
        started it), else a new one under the cookie's id (stored with its first message)."""
        if state.conversation_id is None:
            return None
        with self._lock:
            cached = self._conversations.get(state.conversation_id)
        if cached is not None:
            return cached  # handle_message refreshes it from the store before using it
        try:
            conversation = self.companion.load_conversation(state.conversation_id)
        except (CompanionError, AttributeError):
            if stored_only:
                return None
            language = None if state.language_choice == "auto" else state.language_choice
            conversation = Conversation(id=state.conversation_id, language=language, locale=state.locale)
        self._keep(conversation)
        return conversation

    def cookie_id(self, request: Any) -> str | None:
        """The conversation id in the request's youth cookie, if it is valid."""
        if self.cookies is None or request is None:
            return None
        try:
            cookies = request.cookies
        except Exception:  # a request object without cookies (Gradio's own calls)
            return None
        return self.cookies.read((cookies or {}).get(YOUTH_COOKIE))

    def restore(self, state: ChatState) -> list[dict]:
        """The stored conversation as the chat shows it, for a page opened on one that goes on;
        sets the state's level, mode, choices and last seen message."""
        conversation = self.conversation(state, stored_only=True)
        transcripts = getattr(self.companion, "transcripts", None)
        if conversation is None or transcripts is None:
            return []
        if conversation.language in LANGUAGE_NAMES:
            state.language_choice = state.ui_language = conversation.language
        state.locale = conversation.locale or state.locale
        state.level, state.mode = int(conversation.risk.level), conversation.mode
        label = self.texts(state.ui_language)["counsellor"]
        history = []
        for m in transcripts.messages(conversation.id):
            state.seen = max(state.seen or 0, m.id)
            if m.role == "user":
                history.append({"role": "user", "content": m.text})
            elif m.role == "counsellor":
                history.append({"role": "assistant", "content": f"**{label}:** {m.text}"})
            elif m.role == "notice":
                history.append({"role": "assistant", "content": f"*{m.text}*"})
            else:
                history.append({"role": "assistant", "content": m.text})
        return history

    def bind(self, session_hash: str | None, conversation_id: str) -> None:
        """Remember which conversation a Gradio session belongs to (see `owner`)."""
        if not session_hash:
            return
        with self._lock:
            self._owners[session_hash] = conversation_id
            self._owners.move_to_end(session_hash)
            while len(self._owners) > 4 * MAX_CACHED:
                self._owners.popitem(last=False)

    def owner(self, session_hash: str | None) -> str | None:
        """The conversation a Gradio session was bound to, if any: its event stream is only
        for a request carrying that conversation's cookie."""
        with self._lock:
            return self._owners.get(session_hash or "")

    def updates(self, state: ChatState) -> tuple[str, list[tuple[Any, str, str]]]:
        """The conversation's mode and the counsellor's messages and notices since the last poll:
        (mode, [(message id, role, text)]). Reads the store only, never the whole conversation."""
        transcripts = getattr(self.companion, "transcripts", None)
        if transcripts is None or state.conversation_id is None:
            return state.mode, []
        try:
            mode = transcripts.mode(state.conversation_id)
            messages = transcripts.messages(state.conversation_id, after=state.seen or 0)
        except CompanionError:
            return state.mode, []
        shown = []
        for m in messages:
            state.seen = max(state.seen or 0, m.id)
            if m.role in ("counsellor", "notice"):
                shown.append((m.id, m.role, m.text))
        return mode, shown

    # -- one message: triage now, stream the generated answer after ------------------------
    def triage(
        self, state: ChatState, text: str, person: bool = False, address: str | None = None, keep_choices: bool = False
    ) -> Reply:
        """Check limits, then store, score, queue and decide. A message over a rate limit is
        still stored and triaged (a crisis reply and the queue, whatever the limit) but gets no
        model call; one far over it is refused unless the pattern layer or the conversation
        shows danger. `keep_choices` keeps the conversation's stored language and locale."""
        texts = self.texts(state.ui_language)
        text = texts["person_message"] if person else clean_text(text)
        if not text.strip():
            return Reply(None, texts["note_empty"])
        if len(text.strip()) > MAX_MESSAGE_CHARS:
            length, limit = f"{len(text.strip()):,}", f"{MAX_MESSAGE_CHARS:,}"
            return Reply(None, texts["note_too_long"].format(length=length, limit=limit))
        if state.conversation_id is None:
            self.start(state)
        cost = 1 + len(text) // LONG_MESSAGE_CHARS  # a long message costs the classifier more
        verdict = self.limits.hit(state.conversation_id, address, cost) if self.limits is not None else ALLOWED
        if verdict.flood and not person and not in_danger(text) and not self._needs_person(state):
            return Reply(None, self.slow_down(state, verdict.retry_after_s), verdict.retry_after_s, limited=True)
        conversation = self.conversation(state)
        if not keep_choices:
            conversation.language = None if state.language_choice == "auto" else state.language_choice
            conversation.locale = state.locale
        try:
            turn = self.companion.handle_message(conversation, text, person_requested=person)
        except MessageError as exc:
            return Reply(None, f"{exc.message} ({exc.fix})" if exc.fix else exc.message)
        if verdict.limited and turn.answer is not None:
            turn.answer = None  # stored and scored; only the model call is skipped
            note = self.slow_down(state, verdict.retry_after_s, turn.language)
            return Reply(turn, note, verdict.retry_after_s, limited=True)
        if turn.answer is not None:
            with self._lock:
                self._pending[conversation.id] = turn
        return Reply(turn)

    def _needs_person(self, state: ChatState) -> bool:
        """The stored conversation is at high risk or with (or waiting for) a person."""
        conversation = self.conversation(state, stored_only=True)
        if conversation is None:
            return False
        return conversation.risk.level >= Level.HIGH or conversation.mode in ("waiting", "counsellor")

    def slow_down(self, state: ChatState, seconds: int, language: Language | None = None) -> str:
        numbers = load_hotlines(self.settings.prompts_dir)[state.shown_locale]
        texts = self.texts(language or state.ui_language)
        return texts["note_slow_down"].format(seconds=max(1, seconds), hotline=numbers["hotlines"][0]["number"])

    def request_person(self, state: ChatState) -> str:
        """The "talk to a person" button: queue now at any level (never rate limited)."""
        if state.conversation_id is None:
            self.start(state)
        conversation = self.conversation(state)
        conversation.locale = state.locale
        requester = getattr(self.companion, "request_person", None)
        if requester is not None:
            requester(conversation, language=state.ui_language)
        else:  # an older service: the request goes through the triage path as a message
            self.companion.handle_message(conversation, self.texts(state.ui_language)["person_message"], True)
        if state.mode == "bot":
            state.mode = "waiting"
        prompts = self.companion.prompts(state.ui_language)
        notice = prompts.fixed.get("person_coming")
        if notice is None:
            return self.texts(state.ui_language)["status_waiting"]
        return prompts.fixed_reply("person_coming", state.shown_locale)

    def take_pending(self, state: ChatState) -> Turn | None:
        with self._lock:
            return self._pending.pop(state.conversation_id, None) if state.conversation_id else None

    def error_line(self, state: ChatState, key: str = "error_generic") -> str:
        numbers = load_hotlines(self.settings.prompts_dir)[state.shown_locale]
        return self.texts(state.ui_language)[key].format(hotline=numbers["hotlines"][0]["number"])


# -- the page -------------------------------------------------------------------------------

CSS = """
#quick-exit { min-width: 7rem; max-width: 9rem; align-self: flex-start; }
#crisis-banner:empty, #status:empty { display: none; }
.crisis-banner { border: 2px solid #b42318; background: #fef3f2; color: #55160c; border-radius: 8px;
  padding: .6rem .9rem; }
.crisis-banner.level-moderate { border-color: #b54708; background: #fffaeb; color: #4e1d09; }
.crisis-banner p, .crisis-banner ul { margin: .2rem 0; }
.crisis-banner a { color: inherit; }
.banner-emergency { font-weight: 600; }
#status .status { border-left: 4px solid #175cd3; background: #eff8ff; color: #102a56; padding: .4rem .7rem; }
#status .status.joined { border-color: #067647; background: #ecfdf3; color: #053321; }
#note { color: #b42318; }
.breath { display: flex; justify-content: center; padding: 1rem; }
.breath-circle { width: 4rem; height: 4rem; border-radius: 50%; background: #7cd4fd; }
.breath.running .breath-circle { animation: breathe 14s ease-in-out infinite; }
@keyframes breathe { 0% { transform: scale(1); } 28.6% { transform: scale(2.2); } 57.1% { transform: scale(2.2); }
  100% { transform: scale(1); } }
@media (prefers-reduced-motion: reduce) { .breath.running .breath-circle { animation: none; } }
.breath-phase { text-align: center; font-size: 1.2rem; min-height: 1.6em; }
@media (max-width: 480px) { .gradio-container { padding: 4px !important; } #title h1 { font-size: 1.4rem; } }
"""


def head_script(exit_url: str) -> str:
    """Esc leaves at once, like the quick-exit button (keyboard access without finding it)."""
    return (
        "<script>document.addEventListener('keydown', (e) => { if (e.key === 'Escape') {"
        f"{quick_exit_js(exit_url, wrap=False)}" + "} });</script>"
    )


def quick_exit_js(exit_url: str, wrap: bool = True) -> str:
    """Blank the page, forget this tab's storage and conversation cookie (the server clears it),
    and replace the history entry with a neutral site."""
    body = (
        "try { fetch('/api/exit', {method: 'POST', keepalive: true, credentials: 'same-origin'}); } catch (err) {}"
        "try { sessionStorage.clear(); } catch (err) {}"
        "document.title = ''; document.body.innerHTML = '';"
        f"window.location.replace({json.dumps(exit_url)});"
    )
    return f"() => {{ {body} }}" if wrap else body


BREATHING_START_JS = """() => {
  const box = document.querySelector('#breathing-box .breath');
  const phase = document.querySelector('#breathing-box .breath-phase');
  if (!box || !phase) return;
  clearTimeout(window.__companionBreath);
  box.classList.add('running');
  const steps = [[box.dataset.in, 4], [box.dataset.hold, 4], [box.dataset.out, 6]];
  let i = 0;
  const next = () => { phase.textContent = steps[i][0]; const wait = steps[i][1] * 1000; i = (i + 1) % 3;
    window.__companionBreath = setTimeout(next, wait); };
  next();
}"""
BREATHING_STOP_JS = """() => {
  clearTimeout(window.__companionBreath);
  document.querySelector('#breathing-box .breath')?.classList.remove('running');
  const phase = document.querySelector('#breathing-box .breath-phase'); if (phase) phase.textContent = '';
}"""
DOWNLOAD_JS = """(text, name) => {
  if (!text) return;
  const url = URL.createObjectURL(new Blob([text], {type: 'text/plain;charset=utf-8'}));
  const a = document.createElement('a'); a.href = url; a.download = name || 'safety-plan.txt';
  document.body.appendChild(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(url), 1000);
}"""


def breathing_html(texts: WebTexts) -> str:
    e = html.escape
    return (
        f'<div class="breath" aria-hidden="true" data-in="{e(texts["breathing_in"])}" '
        f'data-hold="{e(texts["breathing_hold"])}" data-out="{e(texts["breathing_out"])}">'
        '<div class="breath-circle"></div></div><p class="breath-phase" aria-live="polite"></p>'
    )


def status_html(mode: str, level: int, texts: WebTexts) -> str:
    if mode == "counsellor":
        text, cls = texts["status_joined"], "status joined"
    elif mode == "waiting":
        text, cls = texts["status_waiting"], "status waiting"
    elif level >= Level.MODERATE:
        text, cls = texts["status_moderate"], "status"
    else:
        return ""
    return f'<div class="{cls}" role="status" aria-live="polite" data-mode="{mode}">{html.escape(text)}</div>'


def build_youth(chat: YouthChat, plan_secret: str) -> gr.Blocks:
    """The youth page. Every event checks the youth cookie against its session; none takes an id."""
    prompts_dir = chat.settings.prompts_dir
    en = chat.texts("en")

    def language_choices(texts: WebTexts) -> list[tuple[str, str]]:
        return [(texts["language_auto"], "auto")] + [(name, code) for code, name in LANGUAGE_NAMES.items()]

    with gr.Blocks(title=en["title"], analytics_enabled=False) as page:
        state = gr.State(ChatState())
        plan_store = gr.BrowserState({}, storage_key="companion-safety-plan", secret=plan_secret)
        with gr.Row(equal_height=True):
            title = gr.Markdown(f"# {en['title']}\n{en['tagline']}", elem_id="title")
            quick_exit = gr.Button(en["quick_exit"], variant="stop", size="sm", elem_id="quick-exit", scale=0)
        with gr.Row():
            language = gr.Radio(
                language_choices(en), value="auto", label=en["language"], elem_id="language", min_width=200
            )
            locale = gr.Dropdown(
                locale_choices(prompts_dir, "en"), value="us", label=en["locale"], elem_id="locale", min_width=200
            )
        with gr.Group(visible=True, elem_id="notice") as notice_box:
            notice = gr.Markdown(en.notice_for("us", prompts_dir), elem_id="notice-text")
            accept = gr.Button(en["notice_accept"], variant="primary", elem_id="accept-notice")
        with gr.Column(visible=False, elem_id="chat-area") as chat_area:
            banner = gr.HTML("", elem_id="crisis-banner")
            status = gr.HTML("", elem_id="status")
            chatbot = gr.Chatbot(
                label=en["chat"],
                elem_id="chat",
                height=420,
                buttons=["copy"],
                feedback_options=None,
                allow_tags=False,
                latex_delimiters=[],
                group_consecutive_messages=False,
            )
            note = gr.Markdown("", elem_id="note")
            message = gr.Textbox(
                label=en["message"], placeholder=en["message_placeholder"], elem_id="message", lines=1, max_lines=6
            )
            with gr.Row():
                send = gr.Button(en["send"], variant="primary", elem_id="send")
                person = gr.Button(en["person"], variant="secondary", elem_id="person")
            with gr.Accordion(en["breathing"], open=False, elem_id="breathing") as breathing:
                breathing_text = gr.Markdown(en.grounding, elem_id="grounding")
                breathing_box = gr.HTML(breathing_html(en), elem_id="breathing-box")
                with gr.Row():
                    breath_start = gr.Button(en["breathing_start"], elem_id="breathing-start")
                    breath_stop = gr.Button(en["breathing_stop"], elem_id="breathing-stop")
            with gr.Accordion(en["plan"], open=False, elem_id="safety-plan") as plan_box:
                plan_intro = gr.Markdown(en["plan_intro"], elem_id="plan-intro")
                plan_fields = [
                    gr.Textbox(label=en[label], lines=2, max_lines=8, elem_id=f"plan-{name.replace('_', '-')}")
                    for name, label in SECTIONS
                ]
                with gr.Row():
                    plan_save = gr.Button(en["plan_save"], elem_id="plan-save")
                    plan_download = gr.Button(en["plan_download"], elem_id="plan-download")
                    plan_clear = gr.Button(en["plan_clear"], elem_id="plan-clear")
                plan_note = gr.Markdown("", elem_id="plan-note")
                plan_text = gr.Textbox(visible=False)
                plan_name = gr.Textbox(visible=False)
        timer = gr.Timer(POLL_S, active=False)

        relabelled = [title, quick_exit, language, locale, notice, accept, chatbot, message, send, person]
        relabelled += [breathing, breathing_text, breathing_box, breath_start, breath_stop, plan_box, plan_intro]
        relabelled += [*plan_fields, plan_save, plan_download, plan_clear]

        def relabel(st: ChatState) -> list:
            t = chat.texts(st.ui_language)
            return [
                gr.update(value=f"# {t['title']}\n{t['tagline']}"),
                gr.update(value=t["quick_exit"]),
                gr.update(label=t["language"], choices=language_choices(t), value=st.language_choice),
                gr.update(
                    label=t["locale"], choices=locale_choices(prompts_dir, st.ui_language), value=st.shown_locale
                ),
                gr.update(value=t.notice_for(st.shown_locale, prompts_dir)),
                gr.update(value=t["notice_accept"]),
                gr.update(label=t["chat"]),
                gr.update(label=t["message"], placeholder=t["message_placeholder"]),
                gr.update(value=t["send"]),
                gr.update(value=t["person"]),
                gr.update(label=t["breathing"]),
                gr.update(value=t.grounding),
                gr.update(value=breathing_html(t)),
                gr.update(value=t["breathing_start"]),
                gr.update(value=t["breathing_stop"]),
                gr.update(label=t["plan"]),
                gr.update(value=t["plan_intro"]),
                *[gr.update(label=t[label]) for _, label in SECTIONS],
                gr.update(value=t["plan_save"]),
                gr.update(value=t["plan_download"]),
                gr.update(value=t["plan_clear"]),
            ]

        def session(st: ChatState, request: gr.Request | None) -> bool:
            """Bind this Gradio session to the conversation in the youth cookie. False when the
            cookie is missing, forged or expired, or names another conversation than the one
            this session began with (someone else's session hash gives nothing)."""
            conversation_id = chat.cookie_id(request)
            if conversation_id is None or st.conversation_id not in (None, conversation_id):
                return False
            if st.conversation_id is None:
                st.conversation_id = conversation_id
                chat.bind(getattr(request, "session_hash", None), conversation_id)
            return True

        def on_load(st: ChatState, saved: Any, request: gr.Request) -> list:
            accept_language = request.headers.get("accept-language") if request else None
            st.ui_language = guess_language(accept_language)
            guessed = guess_locale(accept_language, st.ui_language)
            st.locale = guessed if guessed != DEFAULT_LOCALE[st.ui_language] else None
            history = chat.restore(st) if session(st, request) else []
            plan = clean_plan(saved)
            labels = relabel(st)
            if history:  # the conversation goes on (a reload, or another app process)
                labels[relabelled.index(chatbot)] = gr.update(label=chat.texts(st.ui_language)["chat"], value=history)
            return [st, *labels, *[gr.update(value=plan[name]) for name, _ in SECTIONS], *views(st, None)]

        page.load(
            on_load, [state, plan_store], [state, *relabelled, *plan_fields, banner, status], api_visibility="private"
        )

        def on_accept() -> list:
            return [gr.update(visible=False), gr.update(visible=True), gr.Timer(active=True)]

        accept.click(on_accept, None, [notice_box, chat_area, timer], api_visibility="private").then(
            None, js="() => { document.querySelector('#message textarea')?.focus(); }"
        )

        def views(st: ChatState, conversation: Conversation | None) -> tuple[Any, Any]:
            t = chat.texts(st.ui_language)
            html_banner = crisis_banner(Level(st.level), st.shown_locale, st.ui_language, t, prompts_dir)
            return gr.update(value=html_banner, visible=bool(html_banner)), status_html(st.mode, st.level, t)

        def on_message(text: str, history: Any, st: ChatState, request: gr.Request) -> list:
            history = plain(history)
            if not session(st, request):
                return [history, gr.update(), *views(st, None), chat.error_line(st, "note_session_ended"), st]
            try:
                reply = chat.triage(st, text, address=client_address(request))
            except Exception:
                log.exception("triage failed")
                return [history, gr.update(), *views(st, None), chat.error_line(st), st]
            turn, line = reply.turn, reply.note
            if turn is None:
                return [history, gr.update(), *views(st, None), line, st]
            history.append({"role": "user", "content": text})
            if st.language_choice == "auto":
                st.ui_language = turn.language
            st.level = max(st.level, int(turn.level))
            conversation = turn.conversation
            mode = getattr(conversation, "mode", None)
            st.mode = mode if mode in MODES else st.mode
            if turn.decision.handoff and st.mode == "bot":
                st.mode = "waiting"
            if getattr(turn, "with_counsellor", False):
                pass  # the counsellor answers; their messages arrive by polling
            elif turn.fixed is not None:
                history.append({"role": "assistant", "content": turn.fixed})
            elif turn.answer is not None:
                history.append({"role": "assistant", "content": "…"})
            elif reply.limited:  # kept and scored, but too fast for a generated reply
                history.append({"role": "assistant", "content": f"*{line}*"})
                if turn.follow_up:
                    history.append({"role": "assistant", "content": turn.follow_up})
            return [history, "", *views(st, conversation), "", st]

        def on_person(history: Any, st: ChatState, request: gr.Request) -> list:
            history = plain(history)
            if not session(st, request):
                return [history, *views(st, None), chat.error_line(st, "note_session_ended"), st]
            try:
                notice_text = chat.request_person(st)
            except Exception:
                log.exception("requesting a person failed")
                return [history, *views(st, None), chat.error_line(st), st]
            history.append({"role": "assistant", "content": notice_text})
            return [history, *views(st, None), "", st]

        def stream(history: Any, st: ChatState, request: gr.Request):
            turn = chat.take_pending(st) if session(st, request) else None
            if turn is None:
                yield gr.skip()
                return
            history = plain(history)
            t = chat.texts(turn.language)
            shown = ""
            try:
                for token in turn.answer.tokens():
                    shown += token
                    history[-1] = {"role": "assistant", "content": shown}
                    yield history
                if turn.answer.replaced:
                    final = turn.answer.text
                else:
                    final = turn.answer.text + sources_note(turn.answer, t)
                history[-1] = {"role": "assistant", "content": final}
                if turn.follow_up:
                    history.append({"role": "assistant", "content": turn.follow_up})
                chat.companion.record(turn)
            except Exception:
                log.exception("generating a reply failed")
                history[-1] = {"role": "assistant", "content": chat.error_line(st)}
            yield history

        turn_outputs = [chatbot, message, banner, status, note, state]
        for trigger in (message.submit, send.click):
            trigger(
                on_message, [message, chatbot, state], turn_outputs, concurrency_limit=8, api_visibility="private"
            ).then(stream, [chatbot, state], [chatbot], concurrency_limit=1, concurrency_id="model", **PRIVATE).then(
                relabel, [state], relabelled, api_visibility="private"
            )
        person.click(on_person, [chatbot, state], [chatbot, banner, status, note, state], api_visibility="private")

        def poll(history: Any, st: ChatState, request: gr.Request) -> list:
            if st.conversation_id is None or not session(st, request):
                return [gr.skip(), gr.skip(), gr.skip(), st]
            mode, new = chat.updates(st)
            if not new and mode == st.mode:
                return [gr.skip(), gr.skip(), gr.skip(), st]
            history = plain(history)
            label = chat.texts(st.ui_language)["counsellor"]
            for _, role, text in new:
                content = f"**{label}:** {text}" if role == "counsellor" else f"*{text}*"
                history.append({"role": "assistant", "content": content})
            st.mode = mode if mode in MODES else st.mode
            return [history, *views(st, None), st]

        timer.tick(poll, [chatbot, state], [chatbot, banner, status, state], api_visibility="private")

        def on_language(choice: str, st: ChatState, request: gr.Request) -> list:
            st.language_choice = choice if choice in ("auto", *LANGUAGE_NAMES) else "auto"
            if st.language_choice != "auto":
                st.ui_language = st.language_choice
            conversation = chat.conversation(st) if session(st, request) else None
            if conversation is not None:
                conversation.language = None if st.language_choice == "auto" else st.language_choice
            return [st, *views(st, conversation)]

        language.input(on_language, [language, state], [state, banner, status], api_visibility="private").then(
            relabel, [state], relabelled, api_visibility="private"
        )

        def on_locale(choice: str, st: ChatState, request: gr.Request) -> list:
            st.locale = choice if choice in LOCALES else None
            conversation = chat.conversation(st) if session(st, request) else None
            if conversation is not None:
                conversation.locale = st.locale
            t = chat.texts(st.ui_language)
            return [st, *views(st, conversation), gr.update(value=t.notice_for(st.shown_locale, prompts_dir))]

        locale.input(on_locale, [locale, state], [state, banner, status, notice], api_visibility="private")

        quick_exit.click(None, js=quick_exit_js(en["quick_exit_url"]))
        breath_start.click(None, js=BREATHING_START_JS)
        breath_stop.click(None, js=BREATHING_STOP_JS)

        def on_save(st: ChatState, *values: str) -> list:
            plan = clean_plan(dict(zip([n for n, _ in SECTIONS], values, strict=True)))
            return [plan, chat.texts(st.ui_language)["plan_saved"]]

        plan_save.click(on_save, [state, *plan_fields], [plan_store, plan_note], api_visibility="private")

        def on_clear(st: ChatState) -> list:
            return [{}, *[gr.update(value="") for _ in SECTIONS], chat.texts(st.ui_language)["plan_cleared"]]

        plan_clear.click(on_clear, [state], [plan_store, *plan_fields, plan_note], api_visibility="private")

        def on_download(st: ChatState, *values: str) -> list:
            plan = dict(zip([n for n, _ in SECTIONS], values, strict=True))
            t = chat.texts(st.ui_language)
            name = "safety-plan.txt" if st.ui_language == "en" else "安全计划.txt"
            return [render_plan(plan, t, st.shown_locale, prompts_dir), name]

        plan_download.click(on_download, [state, *plan_fields], [plan_text, plan_name], api_visibility="private").then(
            None, [plan_text, plan_name], None, js=DOWNLOAD_JS
        )
    return page
