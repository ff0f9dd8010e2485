"""The triage path, in one place: message in -> scored -> policy -> (handed off) -> reply.

`Companion.handle_message` is the spine. A `high` or `imminent` conversation is handed to a
person and gets a fixed reply before any model call; only `none`, `low` and `moderate` ones
get a generated answer, grounded in the knowledge base and checked by the output guard
before each piece is shown. The web app and the CLI call this layer; it never imports them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from companion.errors import CompanionError
from companion.guard import GuardResult, check_reply
from companion.handoff import Handoff, HandoffRequest, JsonlHandoff, MemoryHandoff, RiskMessage
from companion.knowledge import Knowledge, Passage
from companion.language import Language, detect_language
from companion.prompts import DEFAULT_LOCALE, PromptSet, load_prompts
from companion.risk import Assessment, ConversationRisk, Level, RiskScorer
from companion.risk.model import CONTEXT_TURNS
from companion.settings import Settings
from companion.triage import Action, Decision, decide

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
    text: str = ""
    attributed: bool = False  # citations were added by attribute(), not written by the model
    raw: str = ""  # exactly what the model generated
    guard: GuardResult = GuardResult((), ())
    replaced: bool = False  # the guard tripped and `text` is the fallback

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
            for chunk in stream:
                piece = chunk.text
                if not piece:
                    continue
                raw.append(piece)
                pending += piece
                self.guard = check_reply(shown + pending)
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
    """Answers a young person's message from the knowledge base, in their language."""

    def __init__(
        self,
        settings: Settings,
        knowledge: Knowledge,
        llm: BaseChatModel,
        scorer: RiskScorer | None = None,
        handoff: Handoff | None = None,
    ) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.llm = llm
        self.scorer = scorer
        self.handoff = handoff or MemoryHandoff()

    def prompts(self, language: Language) -> PromptSet:
        return load_prompts(self.settings.prompts_dir, language)

    def handle_message(self, conversation: Conversation, text: str, person_requested: bool = False) -> Turn:
        """The triage path for one user message. Queues before any model call when needed."""
        if self.scorer is None:
            raise CompanionError("this Companion has no risk scorer", "build it with build_companion()")
        text = check_message(text)
        language = conversation.language or detect_language(text)
        assessment = self.scorer.assess(text, conversation.user_messages[-CONTEXT_TURNS:])
        conversation.user_messages.append(text)
        level = conversation.risk.update(assessment.level, assessment.own_level)
        if assessment.level >= Level.MODERATE:
            conversation.risk_messages.append(
                RiskMessage(text, assessment.level.label, [e.text for e in assessment.evidence])
            )
        decision = decide(level, person_requested)
        locale = conversation.locale or DEFAULT_LOCALE[language]
        if decision.handoff and (conversation.handed_off_at is None or level > conversation.handed_off_at):
            self.handoff.request(
                HandoffRequest(
                    conversation_id=conversation.id,
                    level=level,
                    language=language,
                    locale=locale,
                    reason="risk" if level.needs_human else "requested",
                    risk_messages=list(conversation.risk_messages),
                    timeline=[lv.label for lv in conversation.risk.messages],
                )
            )
            first_handoff = conversation.handed_off_at is None
            conversation.handed_off_at = level
        else:
            first_handoff = False
        turn = Turn(conversation, language, assessment, decision)
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
            conversation.history.append(Exchange(text, turn.fixed))
            return turn
        turn.answer = self.answer(text, conversation.history, language, locale)
        # Ask directly when the conversation first reaches moderate and whenever a message
        # itself is moderate; not after every ordinary message that follows.
        if Action.CHECK_IN in decision and (assessment.level >= Level.MODERATE or not conversation.checked_in):
            turn.follow_up = prompts.fixed_reply("check_in", locale)
            conversation.checked_in = True
        return turn

    def record(self, turn: Turn) -> None:
        """Keep the reply in the conversation's history once it has been shown."""
        if turn.answer is not None:
            turn.conversation.history.append(Exchange(turn.answer.question, turn.reply))

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

    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=progress is not None)
    handoff = JsonlHandoff(settings.data_dir / "handoffs.jsonl")
    return Companion(settings, knowledge, chat_model(settings, progress), RiskScorer(), handoff)
