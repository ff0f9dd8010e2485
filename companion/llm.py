"""Chat-model backends behind LangChain's BaseChatModel: llama.cpp in process, or any
OpenAI-compatible server (llama.cpp server, vLLM, Ollama) by setting a base URL.

The in-process adapter exists because llama.cpp has no LangChain interface of its own;
everything else uses langchain-openai unchanged.
"""

from __future__ import annotations

import os
import queue
import secrets
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from companion.errors import LLMError
from companion.settings import Settings

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_SERVERS: dict[tuple, Any] = {}
_SERVERS_LOCK = threading.Lock()


def _lowered(nice: int, make: Callable[[], Any]) -> Any:
    """Call `make` in a thread whose CPU priority is `nice` steps lower, and return its result.

    On Linux the nice value belongs to a thread, and threads inherit it from the thread that
    starts them: llama.cpp's workers, started while the server is built, then yield the CPU to
    scoring, storing and queueing in the same process. Elsewhere it would lower the whole
    process, so it is skipped.
    """
    if not nice or not sys.platform.startswith("linux"):
        return make()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            own = os.getpriority(os.PRIO_PROCESS, 0)  # this thread's, on Linux
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, own + nice))
            box["value"] = make()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="llama.cpp-start")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _server(model_path: Path, n_ctx: int, n_threads: int, nice: int = 0) -> Any:
    """One llama.cpp server per model and process; it keeps the prompt cache warm."""
    key = (str(model_path), n_ctx, n_threads)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            import xllamacpp

            params = xllamacpp.CommonParams()
            params.model.path = str(model_path)
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.cpuparams.n_threads = n_threads
            params.cpuparams_batch.n_threads = n_threads
            params.cache_prompt = True
            params.verbosity = -1  # llama.cpp's own logs would interleave with the chat
            # xllamacpp always listens on loopback; a random key keeps that port closed.
            params.api_keys = [secrets.token_urlsafe(24)]
            try:
                _SERVERS[key] = _lowered(nice, lambda: xllamacpp.Server(params))
            except Exception as exc:
                raise LLMError(
                    f"llama.cpp could not load {model_path}: {exc}",
                    "check the file is a GGUF chat model, or set COMPANION_OPENAI_BASE_URL",
                ) from None
        return _SERVERS[key]


class LlamaCppChat(BaseChatModel):
    """A GGUF chat model run in this process by llama.cpp (xllamacpp), with streaming."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    n_ctx: int = 4096
    n_threads: int = 2
    nice: int = 0  # lower CPU priority for llama.cpp's threads (Linux)
    max_tokens: int = 256
    temperature: float = 0.3
    timeout_s: float = 120.0  # longest wait for the next piece before giving up
    _server: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama.cpp"

    @property
    def server(self) -> Any:
        if self._server is None:
            self._server = _server(self.model_path, self.n_ctx, self.n_threads, self.nice)
        return self._server

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict:
        body = {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "repeat_penalty": 1.1,  # small models otherwise loop on one sentence
        }
        if stop:
            body["stop"] = stop
        return body

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = self.server.handle_chat_completions(self._request(messages, stop, **kwargs))
        if "error" in result:
            raise LLMError(f"llama.cpp: {result['error'].get('message')}", "shorten the input")
        text = result["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        body = self._request(messages, stop, **kwargs) | {"stream": True}
        chunks: queue.Queue = queue.Queue()
        cancelled = threading.Event()
        done = object()

        def on_chunk(chunk: dict) -> bool:
            chunks.put(chunk)
            return cancelled.is_set()  # True tells llama.cpp to stop generating

        def work() -> None:
            try:
                self.server.handle_chat_completions(body, on_chunk)
            except Exception as exc:  # surfaced to the consumer below
                chunks.put(exc)
            finally:
                chunks.put(done)

        threading.Thread(target=work, daemon=True, name="llama.cpp").start()
        try:
            while (item := self._next(chunks)) is not done:
                if isinstance(item, Exception):
                    raise LLMError(f"llama.cpp failed: {item}", "see the log above")
                if "error" in item:
                    raise LLMError(f"llama.cpp: {item['error'].get('message')}", "shorten the input")
                for choice in item.get("choices", []):
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        if run_manager:
                            run_manager.on_llm_new_token(text)
                        yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        finally:
            cancelled.set()

    def _next(self, chunks: queue.Queue) -> Any:
        try:
            return chunks.get(timeout=self.timeout_s)
        except queue.Empty:
            raise LLMError(
                f"llama.cpp sent nothing for {self.timeout_s:.0f} s", "the machine may be overloaded"
            ) from None


def serve(settings: Settings, host: str, port: int, api_key: str, parallel: int = 4) -> Any:
    """Serve the local GGUF as an OpenAI-compatible server (llama.cpp's own), for many app processes.

    Returns the running server; it listens until the process ends. Point app processes at it
    with `openai_base_url = "http://HOST:PORT/v1"` and `openai_api_key`.
    """
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(local_model_path(settings))
    params.n_ctx = settings.n_ctx * parallel  # each of the parallel slots gets n_ctx
    params.n_parallel = parallel
    params.cont_batching = True
    params.cpuparams.n_threads = settings.n_threads
    params.cpuparams_batch.n_threads = settings.n_threads
    params.cache_prompt = True
    params.verbosity = -1
    params.hostnames = [host]
    params.port = port
    params.api_keys = [api_key]
    params.timeout_read = params.timeout_write = int(settings.llm_timeout_s)
    try:
        return xllamacpp.Server(params)
    except Exception as exc:
        raise LLMError(f"llama.cpp could not start on {host}:{port}: {exc}", "check the port is free") from None


def chat_model(settings: Settings, progress: Any = None) -> BaseChatModel:
    """The chat model the settings ask for: an OpenAI-compatible server or a local GGUF."""
    if settings.openai_base_url:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.openai_model,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            timeout=settings.llm_timeout_s,
            max_retries=1,
            streaming=True,
        )
    return LlamaCppChat(
        model_path=local_model_path(settings, progress),
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads,
        nice=settings.llm_nice,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        timeout_s=settings.llm_timeout_s,
    )


def local_model_path(settings: Settings, progress: Any = None) -> Path:
    """The verified GGUF file: the user's own, or the catalogue's, joined on first use."""
    from companion.models import CATALOGUE, ensure_model

    if settings.model_path is not None:
        if not settings.model_path.is_file():
            raise LLMError(
                f"COMPANION_MODEL_PATH {settings.model_path} does not exist",
                "point it at a GGUF file, or unset it to use the bundled model",
            )
        return settings.model_path
    return ensure_model(CATALOGUE[settings.chat_model], settings.models_dir, progress=progress)
