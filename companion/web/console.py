"""The counsellor console: the queue, a claimed conversation, live chat, notes, resolve, hand back.

Mounted behind the login; on top of that every event handler looks the counsellor up again
from the request's cookie (`Gate.staff`) and refuses without one, so neither the page nor
a direct API call gives data to an anonymous visitor. Queue actions go through
`companion.queue.HotlineQueue`, which checks claims and writes the audit log.
"""

from __future__ import annotations

import html
import logging
import time
from typing import Any

import gradio as gr

from companion.errors import CompanionError
from companion.risk.levels import Level
from companion.web.texts import load_web_texts

log = logging.getLogger(__name__)

REFRESH_S = 2.0
TIER_COLOURS = {"imminent": "#b42318", "high": "#c4320a", "moderate": "#b54708", "low": "#475467", "none": "#475467"}
ROLE_NAMES = {"user": "Youth", "companion": "Companion", "counsellor": "Counsellor", "notice": "Notice"}


class NotLoggedIn(Exception):
    """No valid counsellor session on this request."""


def css() -> str:
    tiers = "".join(
        f".tier-{name} {{ background: {colour}; color: #fff; }} .row-{name} {{ border-left: 6px solid {colour}; }}"
        for name, colour in TIER_COLOURS.items()
    )
    return (
        tiers
        + """
.queue-table { width: 100%; border-collapse: collapse; font-size: .95rem; }
.queue-table th, .queue-table td { padding: .35rem .5rem; border-bottom: 1px solid #eaecf0; text-align: left; }
.tier { display: inline-block; padding: .1rem .45rem; border-radius: 4px; font-weight: 600; font-size: .85rem; }
.wait.breached, .breach { color: #b42318; font-weight: 700; }
.msg { margin: .35rem 0; padding: .4rem .6rem; border-radius: 6px; background: #f9fafb; }
.msg.user { background: #eff8ff; } .msg.counsellor { background: #ecfdf3; } .msg.notice { font-style: italic; }
.msg .meta { font-size: .8rem; color: #475467; }
.msg mark { background: #fedf89; padding: 0 .1rem; }
.msg .text { white-space: pre-wrap; }
#console-header h1 { font-size: 1.5rem; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; }
.card { border: 1px solid #d0d5dd; border-radius: 8px; padding: .5rem .8rem; min-width: 8rem; }
.card strong { display: block; font-size: 1.4rem; }
@media (max-width: 480px) { .queue-table .hide-narrow { display: none; }
  .gradio-container { padding: 4px !important; } }
"""
    )


# Ticks the waiting timers every second without a round trip to the server.
TIMER_JS = """() => {
  if (window.__companionTimers) return;
  window.__companionTimers = setInterval(() => {
    const now = Date.now() / 1000;
    document.querySelectorAll('.wait[data-since]').forEach((el) => {
      const s = Math.max(0, Math.floor(now - Number(el.dataset.since)));
      el.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
      el.classList.toggle('breached', s > Number(el.dataset.sla));
    });
  }, 1000);
}"""


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def queue_html(entries: list, empty: str) -> str:
    """The queue as a table, most urgent first, with tier colours and live waiting timers."""
    if not entries:
        return f'<p id="queue-empty">{html.escape(empty)}</p>'
    rows = []
    for n, e in enumerate(entries, start=1):
        tier = e.tier.label
        since = time.time() - e.waited_s
        live = e.status == "waiting"
        wait_attrs = f' data-since="{since:.0f}" data-sla="{e.service_level_s:.0f}"' if live else ""
        breached = " breached" if e.breached else ""
        summary = e.summary or {}
        topics = ", ".join(summary.get("topics", [])[:3])
        rows.append(
            f'<tr class="row-{tier}" data-entry="{e.id}" data-conversation="{html.escape(e.conversation_id)}">'
            f'<td>{n}</td><td><span class="tier tier-{tier}">{tier}</span></td>'
            f'<td>#{e.id}</td><td><span class="wait{breached}"{wait_attrs}>{_clock(e.waited_s)}</span>'
            f" / {_clock(e.service_level_s)}{' <span class=breach>SLA breached</span>' if e.breached else ''}</td>"
            f"<td>{html.escape(e.status)}{' by ' + html.escape(e.claimed_by) if e.claimed_by else ''}</td>"
            f'<td class="hide-narrow">{html.escape(summary.get("reason", e.reason))}'
            f"{' · ' + html.escape(summary.get('language', '')) if summary.get('language') else ''}"
            f"{' · ' + html.escape(topics) if topics else ''}</td></tr>"
        )
    return (
        '<table class="queue-table" id="queue-table" aria-label="Queue, most urgent first"><thead><tr>'
        '<th scope="col">#</th><th scope="col">Tier</th><th scope="col">Entry</th>'
        '<th scope="col">Waiting / service level</th><th scope="col">Status</th>'
        '<th scope="col" class="hide-narrow">Why</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def highlight(text: str, evidence: Any) -> str:
    """The message, HTML-escaped, with each piece of evidence marked."""
    out = html.escape(text)
    for item in evidence or ():
        piece = item.get("text") if isinstance(item, dict) else None
        if piece and piece.strip() and html.escape(piece) in out:
            out = out.replace(html.escape(piece), f"<mark>{html.escape(piece)}</mark>")
    return out


def transcript_html(messages: list) -> str:
    parts = []
    for m in messages:
        who = ROLE_NAMES.get(m.role, m.role)
        if m.role == "counsellor" and m.counsellor:
            who = f"Counsellor {m.counsellor}"
        level = ""
        if m.level is not None:
            level = f' <span class="tier tier-{m.level.label}">{m.level.label}</span>'
        evidence, marked = "", m.level is not None and m.level >= Level.MODERATE
        if m.evidence and marked:
            kinds = "; ".join(f"{e.get('kind', '')}: {e.get('text', '')}" for e in m.evidence if isinstance(e, dict))
            evidence = f'<div class="meta">evidence: {html.escape(kinds)}</div>'
        at = m.at.strftime("%H:%M:%S") if m.at else ""
        parts.append(
            f'<div class="msg {html.escape(m.role)}" data-id="{m.id}"><div class="meta">{html.escape(who)} · {at}'
            f'{level}</div><div class="text">{highlight(m.text, m.evidence if marked else ())}</div>{evidence}</div>'
        )
    return f'<div id="transcript-body" aria-live="polite">{"".join(parts)}</div>'


def summary_markdown(entry: Any) -> str:
    s = entry.summary or {}
    lines = [
        f"**Entry #{entry.id}** · tier **{entry.tier.label}** · {entry.status}"
        f"{' by ' + entry.claimed_by if entry.claimed_by else ''} · waited {_clock(entry.waited_s)}"
        f" (service level {_clock(entry.service_level_s)}){' · **SLA breached**' if entry.breached else ''}",
        f"Reason: {s.get('reason', entry.reason)} · level {s.get('level', '?')} · language {s.get('language', '?')}"
        f" · hotline region {s.get('locale', '?')}",
    ]
    note = s.get("model_summary") or {}
    if note.get("text"):
        lines.append(f"Model's note (check it against the transcript): {note['text']}")
    if s.get("topics"):
        lines.append("Topics: " + ", ".join(s["topics"]))
    if s.get("timeline"):
        lines.append("Levels over the conversation: " + " → ".join(s["timeline"]))
    for m in s.get("risk_messages", [])[-5:]:
        evidence = "; ".join(m.get("evidence", [])[:3])
        text = m.get("text", "")[:300].replace("\n", " ")
        lines.append(f"- *{m.get('level')}*: “{text}”" + (f" — evidence: {evidence}" if evidence else ""))
    return "\n\n".join(lines)


def stats_html(stats: Any) -> str:
    cards = [(f"waiting {tier}", n) for tier, n in stats.waiting_by_tier.items()]
    cards += [
        ("claimed now", stats.claimed),
        ("longest wait", _clock(stats.longest_wait_s)),
        ("breached now", stats.breached_now),
        ("breaches today", stats.breaches_today),
        ("median wait today", "–" if stats.median_wait_today_s is None else _clock(stats.median_wait_today_s)),
    ]
    outcomes = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in stats.outcomes_today.items())
    body = "".join(f'<div class="card"><strong>{v}</strong>{html.escape(str(k))}</div>' for k, v in cards)
    return f'<div class="cards" id="stats">{body}</div><h3>Outcomes today</h3><ul id="outcomes">{outcomes}</ul>'


def build_console(companion: Any, gate: Any) -> gr.Blocks:
    """The console page; `gate.staff(cookies)` is asked on every event."""
    from companion.queue import OUTCOMES

    t = load_web_texts(companion.settings.prompts_dir, "en")
    queue = companion.queue

    def staff(request: gr.Request | None) -> Any:
        counsellor = gate.staff(request.cookies if request is not None else None)
        if counsellor is None:
            raise gr.Error(t["console_not_logged_in"], print_exception=False)
        return counsellor

    def entries() -> list:
        return queue.entries() if queue is not None else []

    def choices(items: list) -> list[tuple[str, int]]:
        return [(f"#{e.id} {e.tier.label} · {e.status} · waited {_clock(e.waited_s)}", e.id) for e in items]

    def friendly(exc: CompanionError) -> gr.Error:
        return gr.Error(f"{exc.message}. {exc.fix}" if exc.fix else exc.message, print_exception=False)

    with gr.Blocks(title=t["console_title"], analytics_enabled=False) as page:
        current = gr.State(None)  # the open entry's id
        with gr.Row(equal_height=True):
            header = gr.Markdown(f"# {t['console_title']}", elem_id="console-header")
            gr.HTML(f'<a href="/logout" id="logout">{html.escape(t["console_logout"])}</a>', elem_id="logout-link")
        with gr.Tabs():
            with gr.Tab(t["console_queue"], elem_id="queue-tab"):
                queue_view = gr.HTML("", elem_id="queue")
                with gr.Row():
                    pick = gr.Dropdown([], label=t["console_pick"], elem_id="pick", min_width=240, scale=3)
                    open_btn = gr.Button(t["console_open"], elem_id="open", scale=1)
                    claim = gr.Button(t["console_claim"], variant="primary", elem_id="claim", scale=1)
                claim_next = gr.Button(t["console_claim_next"], elem_id="claim-next")
                info = gr.Markdown(t["console_none_open"], elem_id="console-info")
                with gr.Accordion(t["console_summary"], open=True, elem_id="summary-box"):
                    summary = gr.Markdown("", elem_id="summary")
                with gr.Accordion(t["console_transcript"], open=True, elem_id="transcript-box"):
                    transcript = gr.HTML("", elem_id="transcript")
                say_box = gr.Textbox(label=t["console_say"], lines=2, elem_id="say")
                say_btn = gr.Button(t["console_send"], variant="primary", elem_id="send-to-youth")
                with gr.Accordion(t["console_note"], open=False, elem_id="notes-box"):
                    notes_view = gr.Markdown("", elem_id="notes")
                    note_box = gr.Textbox(label=t["console_note"], lines=2, elem_id="note")
                    note_btn = gr.Button(t["console_add_note"], elem_id="add-note")
                with gr.Accordion(t["console_resolve"], open=False, elem_id="resolve-box"):
                    outcome = gr.Dropdown(list(OUTCOMES), label=t["console_outcome"], elem_id="outcome")
                    lower = gr.Dropdown(
                        [("keep the level", "")] + [(lv.label, lv.label) for lv in Level],
                        value="",
                        label=t["console_lower_level"],
                        elem_id="lower-level",
                    )
                    reason = gr.Textbox(label=t["console_lower_reason"], elem_id="lower-reason")
                    resolve = gr.Button(t["console_resolve"], variant="primary", elem_id="resolve")
                    release = gr.Button(t["console_release"], elem_id="release")
                    hand_back = gr.Button(t["console_hand_back"], elem_id="hand-back")
            with gr.Tab(t["console_supervisor"], visible=False, elem_id="supervisor-tab") as supervisor_tab:
                stats_view = gr.HTML("", elem_id="supervisor")
        timer = gr.Timer(REFRESH_S)

        def conversation_views(counsellor: Any, entry_id: int | None) -> list:
            if entry_id is None or queue is None:
                return ["", "", ""]
            entry = queue.entry(entry_id)
            messages = queue.transcript(entry.conversation_id, counsellor)
            notes = queue.notes(entry.conversation_id, counsellor)
            notes_md = "\n\n".join(f"**{who}** ({at:%H:%M}): {text}" for who, at, text in notes) or "–"
            return [summary_markdown(entry), transcript_html(messages), notes_md]

        def on_load(request: gr.Request) -> list:
            counsellor = staff(request)
            items = entries()
            header_md = f"# {t['console_title']}\nLogged in as **{counsellor.username}** ({counsellor.role})"
            stats = stats_html(queue.stats()) if counsellor.supervisor and queue else ""
            return [
                header_md,
                queue_html(items, t["console_queue_empty"]),
                gr.update(choices=choices(items), value=items[0].id if items else None),
                gr.update(visible=counsellor.supervisor),
                stats,
            ]

        page.load(on_load, None, [header, queue_view, pick, supervisor_tab, stats_view], api_visibility="private").then(
            None, js=TIMER_JS
        )

        def refresh(entry_id: int | None, picked: Any, request: gr.Request) -> list:
            counsellor = staff(request)
            items = entries()
            ids = [e.id for e in items]
            stats = stats_html(queue.stats()) if counsellor.supervisor and queue else gr.skip()
            # Transcript is re-read only for an open entry (the read is audited, keep it to the claimer).
            mine = entry_id is not None and any(e.id == entry_id and e.claimed_by == counsellor.username for e in items)
            views = conversation_views(counsellor, entry_id)[1:2] if mine else [gr.skip()]
            return [
                queue_html(items, t["console_queue_empty"]),
                gr.update(choices=choices(items), value=picked if picked in ids else (ids[0] if ids else None)),
                stats,
                *views,
            ]

        timer.tick(refresh, [current, pick], [queue_view, pick, stats_view, transcript], api_visibility="private")

        conv_outputs = [current, info, summary, transcript, notes_view]

        def on_open(picked: Any, request: gr.Request) -> list:
            counsellor = staff(request)
            if picked is None:
                return [None, t["console_none_open"], "", "", ""]
            try:
                entry = queue.entry(int(picked))
                views = conversation_views(counsellor, entry.id)
            except CompanionError as exc:
                raise friendly(exc) from None
            return [entry.id, f"Viewing entry #{entry.id} ({entry.status})", *views]

        open_btn.click(on_open, [pick], conv_outputs, api_visibility="private")

        def on_claim(picked: Any, request: gr.Request) -> list:
            counsellor = staff(request)
            if picked is None:
                raise gr.Error(t["console_none_open"], print_exception=False)
            try:
                entry = queue.claim(int(picked), counsellor)
                views = conversation_views(counsellor, entry.id)
            except CompanionError as exc:
                raise friendly(exc) from None
            return [entry.id, f"You claimed entry #{entry.id}. The young person has been told you joined.", *views]

        claim.click(on_claim, [pick], conv_outputs, api_visibility="private")

        def on_claim_next(request: gr.Request) -> list:
            counsellor = staff(request)
            try:
                entry = queue.claim_next(counsellor)
                if entry is None:
                    return [None, t["console_queue_empty"], "", "", ""]
                views = conversation_views(counsellor, entry.id)
            except CompanionError as exc:
                raise friendly(exc) from None
            return [entry.id, f"You claimed entry #{entry.id}. The young person has been told you joined.", *views]

        claim_next.click(on_claim_next, None, conv_outputs, api_visibility="private")

        def on_say(entry_id: int | None, text: str, request: gr.Request) -> list:
            counsellor = staff(request)
            if entry_id is None:
                raise gr.Error(t["console_none_open"], print_exception=False)
            try:
                entry = queue.entry(entry_id)
                queue.say(entry.conversation_id, counsellor, text or "")
                messages = queue.transcript(entry.conversation_id, counsellor)
            except CompanionError as exc:
                raise friendly(exc) from None
            return ["", transcript_html(messages)]

        for trigger in (say_btn.click, say_box.submit):
            trigger(on_say, [current, say_box], [say_box, transcript], api_visibility="private")

        def on_note(entry_id: int | None, text: str, request: gr.Request) -> list:
            counsellor = staff(request)
            if entry_id is None:
                raise gr.Error(t["console_none_open"], print_exception=False)
            try:
                entry = queue.entry(entry_id)
                queue.add_note(entry.conversation_id, counsellor, text or "")
                views = conversation_views(counsellor, entry_id)
            except CompanionError as exc:
                raise friendly(exc) from None
            return ["", views[2]]

        note_btn.click(on_note, [current, note_box], [note_box, notes_view], api_visibility="private")

        def on_resolve(entry_id: int | None, chosen: str, level: str, why: str, notes: str, request: gr.Request):
            counsellor = staff(request)
            if entry_id is None:
                raise gr.Error(t["console_none_open"], print_exception=False)
            try:
                queue.resolve(
                    entry_id, counsellor, chosen or "", notes or "", Level.parse(level) if level else None, why or ""
                )
                views = conversation_views(counsellor, entry_id)
            except CompanionError as exc:
                raise friendly(exc) from None
            return [entry_id, f"Entry #{entry_id} resolved: {chosen}.", *views]

        resolve.click(on_resolve, [current, outcome, lower, reason, note_box], conv_outputs, api_visibility="private")

        def on_release(entry_id: int | None, request: gr.Request) -> list:
            counsellor = staff(request)
            if entry_id is None:
                raise gr.Error(t["console_none_open"], print_exception=False)
            try:
                queue.release(entry_id, counsellor, "put back from the console")
            except CompanionError as exc:
                raise friendly(exc) from None
            return [None, f"Entry #{entry_id} is back in the queue.", "", "", ""]

        release.click(on_release, [current], conv_outputs, api_visibility="private")

        def on_hand_back(entry_id: int | None, request: gr.Request) -> list:
            counsellor = staff(request)
            if entry_id is None:
                raise gr.Error(t["console_none_open"], print_exception=False)
            try:
                entry = queue.entry(entry_id)
                queue.hand_back(entry.conversation_id, counsellor)
            except CompanionError as exc:
                raise friendly(exc) from None
            return [None, f"Conversation of entry #{entry_id} handed back to the bot.", "", "", ""]

        hand_back.click(on_hand_back, [current], conv_outputs, api_visibility="private")
    return page
