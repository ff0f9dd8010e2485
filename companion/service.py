"""The triage path, in one place: message in -> scored -> policy -> (handed off) -> reply.

`Companion.handle_message` is the spine. A `high` or `imminent` conversation is handed to a
person and gets a fixed reply before any model call; only `none`, `low` and `moderate` ones
get a generated answer, grounded in the knowledge base and checked by the output guard
before each piece is shown. The web app and the CLI call this layer; it never imports them.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from companion.errors import CompanionError
from companion.guard import GuardResult, check_reply
from companion.handoff import Handoff, HandoffRequest, MemoryHandoff, RiskMessage
from companion.knowledge import Knowledge, Passage
from companion.language import LANGUAGES, Language, detect_language
from companion.prompts import DEFAULT_LOCALE, PromptSet, load_prompts
from companion.queue import HotlineQueue
from companion.risk import Assessment, ConversationRisk, Evidence, Level, RiskScorer, patterns
from companion.risk.model import CONTEXT_TURNS
from companion.settings import Settings
from companion.transcripts import Transcripts
from companion.triage import Action, Decision, decide

log = logging.getLogger(__name__)  # never logs message text: only what happened
SUMMARY_MESSAGES, SUMMARY_TOKENS, SUMMARY_CHARS = 12, 160, 700  # the model's note for the counsellor
MAX_MESSAGE_CHARS = 4000
HISTORY_TURNS = 3  # earlier exchanges sent back to the model, newest last
_CITATION = re.compile(r"[\[【［](\d{1,2})[\]】］]")
_OPEN_CITATION = re.compile(r"[\[【［]\d{0,2}$")  # a marker that may still be completed
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*[\"”’)）]*\s*")
_END = re.compile(r"[.!?。！？\"”’)）\s]*$")
# e5 passage-to-passage cosine; measured: restated advice 0.85-0.88, unrelated text 0.69-0.75.
ATTRIBUTION_MIN_SIMILARITY = 0.845
GUARD_HOLDBACK = 24  # characters held back so the guard sees a phrase whole before it shows


class MessageError(CompanionError):
    """The user's message cannot be answered as sent (empty, too long, binary)."""


@dataclass(frozen=True)
class Exchange:
    """One earlier user message and the companion's reply to it."""

    user: str
    companion: str


def check_message(text: str) -> str:
    text = text.replace("\x00", "").strip()
    if not text:
        raise MessageError("the message is empty", "type a message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageError(
            f"the message is {len(text):,} characters long; the limit is {MAX_MESSAGE_CHARS:,}",
            "send a shorter message, or split it into parts",
        )
    return text


def cited_numbers(text: str, limit: int) -> list[int]:
    """Citation numbers in a reply that point at one of `limit` passages, in order of use."""
    seen: list[int] = []
    for match in _CITATION.finditer(text):
        n = int(match.group(1))
        if 1 <= n <= limit and n not in seen:
            seen.append(n)
    return seen


def drop_invalid_citations(text: str, limit: int) -> str:
    """Remove [n] markers that point at no passage, so every shown citation is real."""

    def keep(match: re.Match) -> str:
        return match.group(0) if 1 <= int(match.group(1)) <= limit else ""

    return _CITATION.sub(keep, text)


def attribute(text: str, passages: Sequence[Passage], embeddings: Embeddings) -> str:
    """Add [n] after each sentence that closely restates passage n (post-hoc attribution).

    Small local models often forget to cite; this ties each sentence to the passage it is
    most similar to, and leaves sentences that match no passage well enough uncited.
    """
    sentences = [m.group(0) for m in _SENTENCE.finditer(text)]
    if not sentences or not passages:
        return text
    # Both sides embedded as passages: a symmetric comparison of two statements.
    vectors = embeddings.embed_documents(sentences + [p.text for p in passages])
    sent_vecs, pass_vecs = vectors[: len(sentences)], vectors[len(sentences) :]
    out: list[str] = []
    for sentence, sv in zip(sentences, sent_vecs, strict=True):
        sims = [sum(a * b for a, b in zip(sv, pv, strict=True)) for pv in pass_vecs]
        best = max(range(len(sims)), key=sims.__getitem__)
        if sims[best] >= ATTRIBUTION_MIN_SIMILARITY and len(sentence.strip()) > 12:
            end = _END.search(sentence).start()
            sentence = f"{sentence[:end]} [{best + 1}]{sentence[end:]}"
        out.append(sentence)
    return "".join(out)


@dataclass
class Answer:
    """A reply being generated: iterate `tokens()` once, then read `text` and `cited`."""

    question: str
    language: Language
    passages: list[Passage]
    messages: list[BaseMessage]
    llm: BaseChatModel
    embeddings: Embeddings | None = None
    fallback: str = ""  # the safe fixed reply shown if the output guard trips
    unavailable: str = ""  # the safe fixed reply shown if the model fails or stalls
    secret: str = ""  # the system prompt: a reply that recites it is replaced
    text: str = ""
    attributed: bool = False  # citations were added by attribute(), not written by the model
    raw: str = ""  # exactly what the model generated
    guard: GuardResult = GuardResult((), ())
    replaced: bool = False  # the guard tripped and `text` is the fallback
    failed: bool = False  # the model failed or stalled; `text` ends with the unavailable reply

    def tokens(self) -> Iterator[str]:
        """Stream the reply as it is generated, checked by the output guard as it grows.

        The last few characters are held back until the guard has seen the words they
        complete, and so is an unfinished citation marker ("[", "3", "]"); citations that
        point at no passage are dropped. If the guard trips, generation stops, nothing unsafe
        has been shown, `replaced` is set and `text` becomes the safe fixed reply.
        When the stream ends, `text` holds the reply, with citations attributed if it has none.
        """
        limit = len(self.passages)
        shown, pending, raw = "", "", []
        stream = self.llm.stream(self.messages)
        try:
            for chunk in _guarded(stream, self):
                piece = chunk.text
                if not piece:
                    continue
                raw.append(piece)
                pending += piece
                self.guard = check_reply(shown + pending, self.secret)
                if not self.guard.safe:
                    break
                cut = max(0, len(pending) - GUARD_HOLDBACK)
                held = _OPEN_CITATION.search(pending[:cut])
                cut = held.start() if held else cut
                ready = drop_invalid_citations(pending[:cut], limit)
                pending = pending[cut:]
                if ready:
                    shown += ready
                    self.text = shown
                    yield ready
        finally:
            stream.close()  # stops llama.cpp if we leave early
        self.raw = "".join(raw)
        if self.failed:
            # The model went away mid-reply: nothing unchecked is shown, the youth gets resources.
            notice = self.unavailable if not shown else "\n\n" + self.unavailable
            self.text = shown + notice
            yield notice
            return
        if not self.guard.safe:
            self.replaced = True
            self.text = self.fallback
            return
        tail = drop_invalid_citations(pending, limit)
        if tail:
            shown += tail
            yield tail
        self.text = shown
        if self.passages and self.embeddings and not cited_numbers(self.text, limit):
            self.text = attribute(self.text, self.passages, self.embeddings)
            self.attributed = True

    @property
    def cited(self) -> list[Passage]:
        return [self.passages[n - 1] for n in cited_numbers(self.text, len(self.passages))]


def _guarded(stream: Iterator, answer: Answer) -> Iterator:
    """The model's stream, ending quietly (and marking the answer failed) if the model fails."""
    try:
        yield from stream
    except Exception as exc:  # any backend: llama.cpp, an HTTP server gone, a timeout
        log.warning("chat model failed (%s); the safe reply is shown instead", type(exc).__name__)
        answer.failed = True


@dataclass
class Conversation:
    """One young person's conversation: its history and its risk, as the service sees it."""

    id: str = field(default_factory=lambda: secrets.token_urlsafe(18))  # unguessable
    language: Language | None = None  # forced reply language; None follows each message
    locale: str | None = None  # hotline locale; None picks one by language
    history: list[Exchange] = field(default_factory=list)
    user_messages: list[str] = field(default_factory=list)
    risk: ConversationRisk = field(default_factory=ConversationRisk)
    handed_off_at: Level | None = None  # the level at which it was last queued
    checked_in: bool = False  # the direct safety question has been asked
    risk_messages: list[RiskMessage] = field(default_factory=list)
    mode: str = "bot"  # bot | waiting (queued for a person) | counsellor (a person has joined)
    last_message_id: int = 0  # the newest stored message when this was loaded


@dataclass
class Turn:
    """What the companion does with one message. Read `reply` after streaming `answer`."""

    conversation: Conversation
    language: Language
    assessment: Assessment
    decision: Decision
    answer: Answer | None = None  # a generated answer to stream, when the policy allows one
    fixed: str | None = None  # a fixed reply (crisis) instead of a generated one
    follow_up: str | None = None  # shown after the answer (the moderate check-in)
    message_id: int | None = None  # the stored user message
    with_counsellor: bool = False  # a person has joined: the companion stays silent

    @property
    def level(self) -> Level:
        return self.decision.level

    @property
    def reply(self) -> str:
        parts = [self.fixed if self.fixed is not None else self.answer.text if self.answer else ""]
        if self.follow_up:
            parts.append(self.follow_up)
        return "\n\n".join(p for p in parts if p)


class Companion:
    """Answers a young person's message from the knowledge base, in their language.

    With `transcripts` (the store) every message and reading is kept and each conversation is
    reloaded before its next message, so any app process can carry on any conversation.
    """

    def __init__(
        self,
        settings: Settings,
        knowledge: Knowledge,
        llm: BaseChatModel,
        scorer: RiskScorer | None = None,
        handoff: Handoff | None = None,
        transcripts: Transcripts | None = None,
    ) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.llm = llm
        self.scorer = scorer
        self.handoff = handoff or MemoryHandoff()
        self.transcripts = transcripts
        self.queue = handoff if isinstance(handoff, HotlineQueue) else None  # the console's API
        self.store = transcripts.store if transcripts is not None else None
        # After a conversation is first queued, ask the chat model for a note for the
        # counsellor, in the background (build_companion turns it on from settings).
        self.summarise = False

    def prompts(self, language: Language) -> PromptSet:
        return load_prompts(self.settings.prompts_dir, language)

    def start_conversation(self, language: Language | None = None, locale: str | None = None) -> Conversation:
        conversation = Conversation(language=language, locale=locale)
        if self.transcripts is not None:
            self.transcripts.create(conversation)
        return conversation

    def load_conversation(self, conversation_id: str) -> Conversation:
        if self.transcripts is None:
            raise CompanionError("this Companion keeps no transcripts", "build it with build_companion()")
        return self.transcripts.load(conversation_id)

    def handle_message(self, conversation: Conversation, text: str, person_requested: bool = False) -> Turn:
        """The triage path for one user message: stored, scored, decided, queued, answered.

        The message is committed before it is scored; a conversation that needs a person is
        queued before any model call; once a counsellor has joined, the companion is silent.
        """
        if self.scorer is None:
            raise CompanionError("this Companion has no risk scorer", "build it with build_companion()")
        text = check_message(text)
        clock = [time.perf_counter()]  # arrival, stored, scored, queued: for the log line below
        language = conversation.language or detect_language(text)
        locale = conversation.locale or DEFAULT_LOCALE[language]
        message_id = None
        if self.transcripts is not None:
            self.transcripts.refresh(conversation)
            message_id = self.transcripts.add_user_message(conversation, text, language)
        clock.append(time.perf_counter())
        first_handoff = self._queue_on_plain_words(conversation, text, language, locale)
        assessment = self.scorer.assess(text, conversation.user_messages[-CONTEXT_TURNS:])
        clock.append(time.perf_counter())
        if self._asked_directly(conversation) and patterns.affirms(text):
            yes = Evidence("context", text, Level.HIGH, "yes to the direct safety question")
            assessment = replace(
                assessment, level=max(assessment.level, Level.HIGH), evidence=(*assessment.evidence, yes)
            )
        conversation.user_messages.append(text)
        level = conversation.risk.update(assessment.level, assessment.own_level)
        if assessment.level >= Level.MODERATE:
            conversation.risk_messages.append(
                RiskMessage(text, assessment.level.label, [e.text for e in assessment.evidence])
            )
        decision = decide(level, person_requested)
        if decision.handoff and (conversation.handed_off_at is None or level > conversation.handed_off_at):
            self._request_person(conversation, level, language, locale)
            first_handoff = first_handoff or conversation.handed_off_at is None
            conversation.handed_off_at = level
        clock.append(time.perf_counter())
        if self.transcripts is not None:
            self.transcripts.add_reading(conversation, message_id, assessment)
        if first_handoff:
            self._summarise_later(conversation.id)
        stored, scored, queued = (1000 * (t - clock[0]) for t in clock[1:])
        log.info(
            "message triaged: level %s, %s; stored at %.1f ms, scored at %.1f ms, decided at %.1f ms",
            level.label,
            "queued" if conversation.handed_off_at is not None else "not queued",
            stored,
            scored,
            queued,
        )
        turn = Turn(conversation, language, assessment, decision, message_id=message_id)
        if conversation.mode == "counsellor":
            turn.with_counsellor = True  # the person who joined answers; the companion stays silent
            return turn
        prompts = self.prompts(language)
        if not decision.generate:
            name = (
                "crisis_imminent"
                if Action.EMERGENCY_FIRST in decision
                else "crisis_high"
                if first_handoff
                else "crisis_waiting"
            )
            turn.fixed = prompts.fixed_reply(name, locale)
            self._keep_reply(conversation, text, turn.fixed)
            return turn
        turn.answer = self.answer(text, conversation.history, language, locale)
        follow_ups = []
        # Ask directly when the conversation first reaches moderate and whenever a message
        # itself is moderate; not after every ordinary message that follows.
        if Action.CHECK_IN in decision and (assessment.own_level >= Level.MODERATE or not conversation.checked_in):
            follow_ups.append(prompts.fixed_reply("check_in", locale))
            conversation.checked_in = True
        if first_handoff:
            follow_ups.append(prompts.fixed_reply("person_coming", locale))
        turn.follow_up = "\n\n".join(follow_ups) or None
        return turn

    def _queue_on_plain_words(self, conversation: Conversation, text: str, language: Language, locale: str) -> bool:
        """Queue at once when the pattern layer alone reads danger, before the model scores it.

        The patterns take microseconds; the model takes tens of milliseconds, more when the
        machine is busy. The full reading follows and may only raise the entry. Returns
        whether this was the conversation's first hand-off.
        """
        hits = patterns.match(text)
        level = max((h.level for h in hits), default=Level.NONE)
        if not level.needs_human or (conversation.handed_off_at is not None and level <= conversation.handed_off_at):
            return False
        level = max(level, conversation.risk.level)
        first = conversation.handed_off_at is None
        evidence = RiskMessage(text, level.label, [h.text for h in hits])
        self._request_person(conversation, level, language, locale, extra=[evidence])
        conversation.handed_off_at = level
        return first

    def _asked_directly(self, conversation: Conversation) -> bool:
        """Whether the companion's last reply asked the direct safety question."""
        if not conversation.history:
            return False
        last = conversation.history[-1].companion
        return any(self.prompts(lang).fixed["check_in"].split("{")[0][:40] in last for lang in LANGUAGES)

    def request_person(self, conversation: Conversation, language: Language | None = None) -> None:
        """The youth asked for a person (a button): queue now, at whatever level."""
        if self.transcripts is not None:
            self.transcripts.refresh(conversation)
        language = conversation.language or language or "en"
        locale = conversation.locale or DEFAULT_LOCALE[language]
        level = conversation.risk.level
        if conversation.handed_off_at is None or level > conversation.handed_off_at:
            first = conversation.handed_off_at is None
            self._request_person(conversation, level, language, locale)
            conversation.handed_off_at = level
            if self.transcripts is not None:
                notice = self.prompts(language).fixed_reply("person_coming", locale)
                self.transcripts.add_reply(conversation, notice, role="notice")
            if first:
                self._summarise_later(conversation.id)

    def _summarise_later(self, conversation_id: str) -> None:
        if self.summarise and self.queue is not None and self.transcripts is not None:
            threading.Thread(
                target=self.improve_summary, args=(conversation_id,), daemon=True, name="handoff-summary"
            ).start()

    def improve_summary(self, conversation_id: str) -> str | None:
        """Ask the chat model for a short note on a queued conversation and add it to the entry.

        The entry, with its model-free summary, was committed before this is called; a slow or
        failed model only means the note never comes. The note is for the counsellor, who has
        the transcript beside it; the youth never sees it.
        """
        if self.queue is None or self.transcripts is None:
            return None
        conversation = self.transcripts.load(conversation_id)
        if not conversation.user_messages:
            return None
        language = conversation.language or detect_language(conversation.user_messages[-1])
        said = "\n".join(f"- {m[:500]}" for m in conversation.user_messages[-SUMMARY_MESSAGES:])
        messages = [SystemMessage(self.prompts(language).fixed["handoff_summary"]), HumanMessage(said)]
        try:
            reply = self.llm.invoke(messages, max_tokens=SUMMARY_TOKENS)
        except Exception as exc:  # noqa: BLE001 - any failure of the model leaves the entry as it was
            log.warning("no model note for a queued conversation (%s)", type(exc).__name__)
            return None
        text = " ".join(str(reply.content).split())[:SUMMARY_CHARS]
        if not text:
            return None
        name = getattr(self.llm, "model_name", None) or getattr(self.llm, "_llm_type", type(self.llm).__name__)
        return text if self.queue.add_model_summary(conversation_id, text, str(name)) else None

    def _request_person(
        self,
        conversation: Conversation,
        level: Level,
        language: Language,
        locale: str,
        extra: Sequence[RiskMessage] = (),
    ) -> None:
        self.handoff.request(
            HandoffRequest(
                conversation_id=conversation.id,
                level=level,
                language=language,
                locale=locale,
                reason="risk" if level.needs_human else "requested",
                risk_messages=[*conversation.risk_messages, *extra],
                timeline=[lv.label for lv in conversation.risk.messages],
            )
        )
        if conversation.mode == "bot":
            conversation.mode = "waiting"

    def _keep_reply(self, conversation: Conversation, question: str, reply: str, guard: dict | None = None) -> None:
        conversation.history.append(Exchange(question, reply))
        if self.transcripts is not None:
            self.transcripts.add_reply(conversation, reply, guard=guard)

    def record(self, turn: Turn) -> None:
        """Keep the generated reply once it has been shown (with the guard's event, if it tripped)."""
        if turn.answer is not None:
            guard = None
            if turn.answer.replaced:
                guard = {"replaced": True, "reasons": list(turn.answer.guard.reasons), "raw": turn.answer.raw[:2000]}
            elif turn.answer.failed:
                guard = {"model_failed": True}
            self._keep_reply(turn.conversation, turn.answer.question, turn.reply, guard)

    def answer(
        self,
        text: str,
        history: Sequence[Exchange] = (),
        language: Language | None = None,
        locale: str | None = None,
    ) -> Answer:
        question = check_message(text)
        lang = language or detect_language(question)
        passages = self.knowledge.relevant(question, lang)
        return Answer(
            question=question,
            language=lang,
            passages=passages,
            messages=self.messages(question, lang, passages, history),
            llm=self.llm,
            embeddings=self.knowledge.store.embeddings,
            fallback=self.prompts(lang).fixed_reply("guard_fallback", locale),
            unavailable=self.prompts(lang).fixed_reply("model_unavailable", locale),
            secret=self.prompts(lang).system,
        )

    def messages(
        self,
        question: str,
        language: Language,
        passages: Sequence[Passage],
        history: Sequence[Exchange] = (),
    ) -> list[BaseMessage]:
        prompts = self.prompts(language)
        example = prompts.example
        # The system prompt and the worked example form a fixed prefix that llama.cpp caches.
        messages: list[BaseMessage] = [
            SystemMessage(prompts.system),
            HumanMessage(prompts.turn(example.question, list(example.passages))),
            AIMessage(example.reply),
        ]
        for past in list(history)[-HISTORY_TURNS:]:
            messages += [HumanMessage(past.user), AIMessage(past.companion)]
        messages.append(HumanMessage(prompts.turn(question, [(p.title, p.text) for p in passages])))
        return messages


def build_companion(settings: Settings, progress: object = None) -> Companion:
    """Wire the backends the settings choose; builds the index on first start."""
    from companion.llm import chat_model
    from companion.store import open_store

    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=progress is not None)
    store = open_store(settings.database)
    queue = HotlineQueue(store, settings)
    scorer = RiskScorer()
    scorer.warm()
    companion = Companion(settings, knowledge, chat_model(settings, progress), scorer, queue, Transcripts(store))
    companion.summarise = settings.model_summary
    return companion
