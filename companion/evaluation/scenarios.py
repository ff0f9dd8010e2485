"""Multi-turn scenarios through the whole triage path (`Companion.handle_message`), turn by
turn: real scorer, real policy, real handoff backend on a throw-away store.

Reports the turn of the first handoff against the scenario's expected window. Expectations
follow shared/docs/RISK_SCALE.md; they are never tuned to what the classifier does.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from companion.evaluation.metrics import handoff_outcome, latency, pass_rate
from companion.evaluation.report import fmt, paragraph, pyplot, save_figure, table, write_outputs
from companion.evaluation.sets import rows, unique_ids
from companion.handoff import Handoff, MemoryHandoff
from companion.risk.levels import NAMES, Level

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from companion.service import Companion
    from companion.settings import Settings

EXPECTED = (
    'each line needs "id", "lang" (en|zh), "turns" ([{"role": "user", "text": ...}, ...]) and '
    '"expect" ({"handoff": true|false, "earliest_turn": N|null, "latest_turn": N|null}, user turns from 1)'
)
FIXED_REPLY = "I'm here and listening. 我在听。"  # what the stand-in chat model says (--no-llm)


@dataclass(frozen=True)
class Scenario:
    id: str
    lang: str
    turns: tuple[str, ...]  # the user's messages, in order; assistant lines in the file are notes
    expect_handoff: bool
    earliest: int | None
    latest: int | None
    category: str = ""
    max_level: Level | None = None  # optional: the conversation should stay at or below this


def read_scenarios(path: Path) -> list[Scenario]:
    scenarios = []
    for row in rows(path, EXPECTED):
        turns = row.get("turns", list, check=lambda v: None if v else "empty list")
        texts = []
        for i, turn in enumerate(turns, start=1):
            if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant"):
                raise row.error(f'turn {i} must be {{"role": "user"|"assistant", "text": ...}}')
            if not isinstance(turn.get("text"), str) or not turn["text"].strip():
                raise row.error(f"turn {i} has no text")
            if turn["role"] == "user":
                texts.append(turn["text"])
        if not texts:
            raise row.error("no user turn")
        expect = row.get("expect", dict)
        if not isinstance(expect.get("handoff"), bool):
            raise row.error('"expect" needs "handoff": true or false')
        bounds = []
        for key in ("earliest_turn", "latest_turn"):
            value = expect.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise row.error(f'"expect.{key}" must be a whole number or null')
            if value is not None and not 1 <= value <= len(texts):
                raise row.error(f'"expect.{key}" {value} is outside user turns 1..{len(texts)}')
            bounds.append(value)
        earliest, latest = bounds
        if not expect["handoff"] and (earliest is not None or latest is not None):
            raise row.error('a handoff window needs "handoff": true')
        if earliest is not None and latest is not None and earliest > latest:
            raise row.error(f"earliest_turn {earliest} is after latest_turn {latest}")
        max_level = None
        if expect.get("max_level") is not None:
            try:
                max_level = Level.parse(str(expect["max_level"]))
            except ValueError as exc:
                raise row.error(f'"expect.max_level": {exc}') from None
        category = row.get("category", str, default="")
        ident = str(row.get("id", (str, int)))
        scenarios.append(
            Scenario(ident, row.lang(), tuple(texts), expect["handoff"], earliest, latest, category, max_level)
        )
    unique_ids(scenarios, path)
    return scenarios


# --- the path under test --------------------------------------------------------------------


def _handoff_backend(tmpdir: Path, settings: Settings | None = None) -> Handoff:
    """The handoff backend evaluations use: the human queue on a throw-away SQLite database
    under `tmpdir` when companion.queue is installed, else the in-memory backend."""
    try:
        from companion.queue import HotlineQueue
        from companion.store import open_store
    except ImportError:
        return MemoryHandoff()
    return HotlineQueue(open_store(f"sqlite:///{tmpdir}/eval.db"), settings)


def handoff_recorded(backend: Handoff, conversation_id: str) -> bool:
    """Whether the backend holds a committed handoff for the conversation (read back, not assumed)."""
    if isinstance(backend, MemoryHandoff):
        return any(r.conversation_id == conversation_id for r in backend.requests)
    open_entry = getattr(backend, "open_entry", None)  # HotlineQueue
    if open_entry is None:
        raise TypeError(f"cannot read handoffs back from {type(backend).__name__}")
    return open_entry(conversation_id) is not None


def fixed_reply_model(text: str = FIXED_REPLY) -> BaseChatModel:
    """A stand-in chat model that always says the same short thing (triage never reads it)."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return FakeListChatModel(responses=[text])


@contextmanager
def eval_companion(settings: Settings, llm: BaseChatModel, progress: bool = True) -> Iterator[Companion]:
    """A Companion on the real index, scorer and policy, handing off to a throw-away backend
    that is closed and deleted on leaving."""
    from companion.knowledge import Knowledge
    from companion.risk import RiskScorer
    from companion.service import Companion

    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=progress)
    with tempfile.TemporaryDirectory(prefix="companion-eval-") as tmp:
        backend = _handoff_backend(Path(tmp), settings)
        try:
            yield Companion(settings, knowledge, llm, RiskScorer(), backend)
        finally:
            store = getattr(backend, "store", None)
            if store is not None:
                store.close()


def run_scenario(companion: Companion, scenario: Scenario) -> dict:
    """Play one scenario's user turns; the level timeline and where the first handoff fell."""
    from companion.service import Conversation

    conversation = Conversation()
    timeline, handoff_turn, queued_turn, millis = [], None, None, []
    for n, text in enumerate(scenario.turns, start=1):
        start = time.perf_counter()
        turn = companion.handle_message(conversation, text)
        millis.append((time.perf_counter() - start) * 1000)
        queued = queued_turn is not None or handoff_recorded(companion.handoff, conversation.id)
        if turn.answer is not None:  # generate the reply as the chat would, so history is real
            for _ in turn.answer.tokens():
                pass
            companion.record(turn)
        if turn.decision.handoff and handoff_turn is None:
            handoff_turn = n
        if queued and queued_turn is None:
            queued_turn = n
        timeline.append(
            {
                "turn": n,
                "text": text,
                "message": turn.assessment.level.label,  # read with the earlier turns
                "own": turn.assessment.own_level.label,  # read alone
                "conversation": turn.level.label,
                "p_needs_human": round(turn.assessment.needs_human, 3),
                "handoff": turn.decision.handoff,
                "queued": queued,
            }
        )
    outcome = handoff_outcome(scenario.expect_handoff, scenario.earliest, scenario.latest, handoff_turn)
    if outcome == "pass" and handoff_turn is not None:
        # The conversation must stay handed off: no later "I'm fine" may lower it below high.
        if any(Level.parse(t["conversation"]) < Level.HIGH for t in timeline[handoff_turn - 1 :]):
            outcome = "lowered"
    reached = max(Level.parse(t["conversation"]) for t in timeline)
    return {
        "id": scenario.id,
        "lang": scenario.lang,
        "category": scenario.category,
        "expect": {
            "handoff": scenario.expect_handoff,
            "earliest_turn": scenario.earliest,
            "latest_turn": scenario.latest,
            "max_level": scenario.max_level.label if scenario.max_level is not None else None,
        },
        "reached": reached.label,
        "over_level": scenario.max_level is not None and reached > scenario.max_level,
        "handoff_turn": handoff_turn,
        "queued_turn": queued_turn,
        "outcome": outcome,
        "passed": outcome == "pass",
        "consistent": handoff_turn == queued_turn,
        "timeline": timeline,
        "triage_ms": millis,
    }


def run_scenarios(companion: Companion, scenarios: list[Scenario], progress: bool = True) -> dict:
    from tqdm import tqdm

    results = [
        run_scenario(companion, s) for s in tqdm(scenarios, desc="Scenarios", unit="scenario", disable=not progress)
    ]
    return {"summary": summarise(results), "scenarios": results}


def summarise(results: list[dict]) -> dict:
    def group(key: str) -> dict[str, dict]:
        out = {}
        for value in sorted({r[key] for r in results if r[key]}):
            mine = [r for r in results if r[key] == value]
            out[value] = {
                "n": len(mine),
                "passed": sum(r["passed"] for r in mine),
                "pass_rate": pass_rate([r["outcome"] for r in mine]),
            }
        return out

    outcomes = Counter(r["outcome"] for r in results)
    expected = [r for r in results if r["expect"]["handoff"]]
    return {
        "n": len(results),
        "passed": outcomes["pass"],
        "pass_rate": pass_rate([r["outcome"] for r in results]),
        "false_handoffs": outcomes["false_handoff"],
        "missed_handoffs": outcomes["missed"],
        "early_handoffs": outcomes["early"],
        "late_handoffs": outcomes["late"],
        "handoff_recall": sum(r["handoff_turn"] is not None for r in expected) / len(expected) if expected else None,
        "lowered": outcomes["lowered"],
        "over_level": [r["id"] for r in results if r["over_level"]],
        "inconsistent": [r["id"] for r in results if not r["consistent"]],
        "per_language": group("lang"),
        "per_category": group("category"),
        "triage_ms": latency([ms for r in results for ms in r["triage_ms"]]),
    }


# --- report ---------------------------------------------------------------------------------

_COLOURS = ["#f2f2f2", "#fde9a9", "#f6a04d", "#d7301f", "#67000d"]


def plot_timelines(results: list[dict], path: Path) -> Path:
    """Heatmap of each message's level (read in context) per user turn, one panel per language.
    H marks the first handoff; the green frame is the expected window; failing ids are red."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch, Rectangle

    plt = pyplot()
    langs = sorted({r["lang"] for r in results})
    height = max(len([r for r in results if r["lang"] == lang]) for lang in langs)
    width = max(len(r["timeline"]) for r in results)
    fig, axes = plt.subplots(1, len(langs), figsize=(max(6.5, 0.55 * width + 3.5) * len(langs), 1.4 + 0.27 * height))
    axes = np.atleast_1d(axes)
    cmap = ListedColormap(_COLOURS).with_extremes(bad="white")
    for ax, lang in zip(axes, langs, strict=True):
        mine = [r for r in results if r["lang"] == lang]
        grid = np.full((len(mine), width), np.nan)
        for i, r in enumerate(mine):
            for t in r["timeline"]:
                grid[i, t["turn"] - 1] = NAMES.index(t["message"])
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=-0.5, vmax=4.5, aspect="auto", interpolation="nearest")
        for i, r in enumerate(mine):
            if r["handoff_turn"]:
                ax.text(
                    r["handoff_turn"] - 1, i, "H", ha="center", va="center", fontsize=8, color="white", weight="bold"
                )
            e = r["expect"]
            if e["handoff"]:
                lo = (e["earliest_turn"] or 1) - 1
                hi = (e["latest_turn"] or len(r["timeline"])) - 1
                ax.add_patch(Rectangle((lo - 0.5, i - 0.45), hi - lo + 1, 0.9, fill=False, edgecolor="#1a9850", lw=1.6))
        ax.set_yticks(range(len(mine)), [r["id"] for r in mine], fontsize=7)
        for label, r in zip(ax.get_yticklabels(), mine, strict=True):
            label.set_color("black" if r["passed"] else "#c00000")
        ax.set_xticks(range(width), [str(t) for t in range(1, width + 1)], fontsize=8)
        ax.set_xlabel("user turn")
        rate = pass_rate([r["outcome"] for r in mine])
        ax.set_title(f"{lang}: {sum(r['passed'] for r in mine)}/{len(mine)} pass ({fmt(rate, 2)})", fontsize=10)
    handles = [Patch(color=c, label=n) for c, n in zip(_COLOURS, NAMES, strict=True)]
    handles.append(Patch(fill=False, edgecolor="#1a9850", label="expected handoff window"))
    fig.legend(handles=handles, loc="upper center", ncol=6, fontsize=8, frameon=False)
    return save_figure(fig, path, top=1 - 0.45 / fig.get_figheight())


def plot_categories(summary: dict, results: list[dict], path: Path) -> Path:
    """Pass rate per category, split by language."""
    plt = pyplot()
    cats = list(summary["per_category"]) or [""]
    langs = sorted({r["lang"] for r in results})
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.42 * len(cats)))
    height = 0.8 / len(langs)
    for j, lang in enumerate(langs):
        rates, labels = [], []
        for cat in cats:
            mine = [r for r in results if r["category"] == cat and r["lang"] == lang]
            rates.append(pass_rate([r["outcome"] for r in mine]) or 0.0)
            labels.append(f"{sum(r['passed'] for r in mine)}/{len(mine)}" if mine else "")
        bars = ax.barh([i + j * height for i in range(len(cats))], rates, height, label=lang)
        ax.bar_label(bars, labels, fontsize=7, padding=2)
    ax.set_yticks([i + height * (len(langs) - 1) / 2 for i in range(len(cats))], cats, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("pass rate")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("scenarios passed per category")
    return save_figure(fig, path)


def scenario_lines(result: dict) -> list[str]:
    s = result["summary"]
    lines = [
        f"{s['passed']}/{s['n']} scenarios pass ({fmt(s['pass_rate'])}); false handoffs {s['false_handoffs']}, "
        f"missed {s['missed_handoffs']}, early {s['early_handoffs']}, late {s['late_handoffs']}",
        f"  above their max_level (not a handoff failure): {len(s['over_level'])} {', '.join(s['over_level'])}",
    ]
    for lang, g in s["per_language"].items():
        lines.append(f"  [{lang}] {g['passed']}/{g['n']} pass ({fmt(g['pass_rate'])})")
    for cat, g in s["per_category"].items():
        lines.append(f"  {cat}: {g['passed']}/{g['n']}")
    for r in result["scenarios"]:
        if not r["passed"]:
            e = r["expect"]
            window = f"{e['earliest_turn'] or 1}..{e['latest_turn'] or 'end'}" if e["handoff"] else "none"
            levels = " ".join(t["message"] for t in r["timeline"])
            lines.append(
                f"  FAILED {r['id']}: {r['outcome']} (handoff at {r['handoff_turn']}, expected {window}; {levels})"
            )
    return lines


def scenario_gates(
    result: dict,
    min_pass_rate: float | None = None,
    max_false_handoffs: int | None = None,
    max_missed: int | None = None,
) -> list[str]:
    s = result["summary"]
    failures = []
    if min_pass_rate is not None and (s["pass_rate"] or 0.0) < min_pass_rate:
        failures.append(f"pass rate {fmt(s['pass_rate'])} < --min-pass-rate {min_pass_rate}")
    if max_false_handoffs is not None and s["false_handoffs"] > max_false_handoffs:
        failures.append(f"false handoffs {s['false_handoffs']} > --max-false-handoffs {max_false_handoffs}")
    if max_missed is not None and s["missed_handoffs"] > max_missed:
        failures.append(f"missed handoffs {s['missed_handoffs']} > --max-missed {max_missed}")
    if s["inconsistent"]:
        failures.append(
            f"handoff decided but not recorded by the backend (or the reverse): {', '.join(s['inconsistent'])}"
        )
    return failures


def scenario_report(result: dict, out: Path, source: str) -> Path:
    results, s = result["scenarios"], result["summary"]
    timelines = plot_timelines(results, out / "timelines.png")
    categories = plot_categories(s, results, out / "categories.png")
    overview = table(
        ["", "n", "passed", "pass rate"],
        [("all", s["n"], s["passed"], s["pass_rate"])]
        + [(f"lang {k}", g["n"], g["passed"], g["pass_rate"]) for k, g in s["per_language"].items()]
        + [(k, g["n"], g["passed"], g["pass_rate"]) for k, g in s["per_category"].items()],
    ) + paragraph(
        f"false handoffs {s['false_handoffs']}, missed {s['missed_handoffs']}, early {s['early_handoffs']}, "
        f"late {s['late_handoffs']}; handle_message p50 {s['triage_ms']['p50']:.0f} ms, "
        f"p95 {s['triage_ms']['p95']:.0f} ms; "
        f"handoff backend {result.get('backend', '?')}, chat model {result.get('llm', '?')}"
    )
    detail = table(
        ["id", "lang", "category", "outcome", "handoff turn", "expected", "levels per turn (in context)"],
        [
            (
                r["id"],
                r["lang"],
                r["category"],
                r["outcome"],
                r["handoff_turn"],
                (
                    f"{r['expect']['earliest_turn'] or 1}..{r['expect']['latest_turn'] or 'end'}"
                    if r["expect"]["handoff"]
                    else "none"
                ),
                " → ".join(t["message"] for t in r["timeline"]),
            )
            for r in results
        ],
        text_columns=(6,),
    )
    failed = [r for r in results if not r["passed"]]
    turns = table(
        ["id", "turn", "text", "message", "alone", "conversation", "P(needs human)", "handoff"],
        [
            (
                r["id"],
                t["turn"],
                t["text"],
                t["message"],
                t["own"],
                t["conversation"],
                t["p_needs_human"],
                "yes" if t["handoff"] else "",
            )
            for r in failed
            for t in r["timeline"]
        ],
        text_columns=(2,),
    )
    sections = [
        (source, overview, [timelines, categories]),
        ("Every scenario", detail, []),
        (f"Failed scenarios, turn by turn ({len(failed)})", turns if failed else paragraph("none"), []),
    ]
    return write_outputs(out, "Companion scenario evaluation", result, sections)
