"""The companion's conversation path: message in -> language -> retrieval -> grounded reply.

The web app and the CLI call this layer; it calls knowledge, prompts and llm. The crisis
triage steps (scoring, policy, queue) hook in here, before any model call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from companion.errors import CompanionError
from companion.knowledge import Knowledge, Passage
from companion.language import Language, detect_language
from companion.prompts import PromptSet, load_prompts
from companion.settings import Settings

MAX_MESSAGE_CHARS = 4000
HISTORY_TURNS = 3  # earlier exchanges sent back to the model, newest last
_CITATION = re.compile(r"[\[【［](\d{1,2})[\]】］]")


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


@dataclass
class Answer:
    """A reply being generated: iterate `tokens()` once, then read `text` and `cited`."""

    question: str
    language: Language
    passages: list[Passage]
    messages: list[BaseMessage]
    llm: BaseChatModel
    text: str = ""
    _parts: list[str] = field(default_factory=list)

    def tokens(self) -> Iterator[str]:
        for chunk in self.llm.stream(self.messages):
            piece = chunk.text
            if piece:
                self._parts.append(piece)
                self.text = "".join(self._parts)
                yield piece

    @property
    def cited(self) -> list[Passage]:
        return [self.passages[n - 1] for n in cited_numbers(self.text, len(self.passages))]


class Companion:
    """Answers a young person's message from the knowledge base, in their language."""

    def __init__(self, settings: Settings, knowledge: Knowledge, llm: BaseChatModel) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.llm = llm

    def prompts(self, language: Language) -> PromptSet:
        return load_prompts(self.settings.prompts_dir, language)

    def answer(
        self,
        text: str,
        history: Sequence[Exchange] = (),
        language: Language | None = None,
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
        )

    def messages(
        self,
        question: str,
        language: Language,
        passages: Sequence[Passage],
        history: Sequence[Exchange] = (),
    ) -> list[BaseMessage]:
        prompts = self.prompts(language)
        if passages:
            numbered = "\n\n".join(
                prompts.passage.format(n=i, title=p.title, text=p.text)
                for i, p in enumerate(passages, start=1)
            )
            turn = prompts.answer.format(passages=numbered, question=question)
        else:
            turn = prompts.no_context.format(question=question)
        messages: list[BaseMessage] = [SystemMessage(prompts.system)]
        for past in list(history)[-HISTORY_TURNS:]:
            messages += [HumanMessage(past.user), AIMessage(past.companion)]
        messages.append(HumanMessage(turn))
        return messages


def build_companion(settings: Settings, progress: object = None) -> Companion:
    """Wire the backends the settings choose; builds the index on first start."""
    from companion.llm import chat_model

    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=progress is not None)
    return Companion(settings, knowledge, chat_model(settings, progress))
