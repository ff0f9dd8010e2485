"""Message-level risk evaluation: each message scored by the full scorer (model and patterns),
alone or after the earlier turns its row gives; recall, false alarms, macro-F1, confusion and
latency per file and language."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from companion.evaluation.metrics import latency, needs_human, risk_metrics, threshold_curve
from companion.evaluation.report import fmt, pyplot, save_figure, table, write_outputs
from companion.evaluation.sets import EvalSetError, rows
from companion.risk.levels import NAMES, Level

if TYPE_CHECKING:
    from companion.risk import RiskScorer

CURVE = np.round(np.linspace(0.05, 0.95, 19), 2)
EXPECTED = 'each line needs "text" and "risk" (none|low|moderate|high|imminent) or "safe": true|false'


@dataclass(frozen=True)
class RiskRow:
    id: str
    text: str
    lang: str
    risk: Level
    context: tuple[str, ...] = ()  # earlier turns a follow-up is read after ("tonight" after a plan)


def _turns(value: list) -> str | None:
    return None if all(isinstance(t, str) for t in value) else "must be a list of strings"


def read_risk_rows(path: Path) -> list[RiskRow]:
    """{"id","text","lang","risk"} rows; a row may carry "safe": true|false instead (none/high),
    and "context": the earlier turns its message follows (the training files' follow-ups)."""
    out = []
    for row in rows(path, EXPECTED):
        if "risk" in row.data:
            level = row.level("risk")
        elif "safe" in row.data:
            level = Level.NONE if row.get("safe", bool) else Level.HIGH
        else:
            raise row.error('missing "risk" (or "safe")')
        text = row.get("text")
        lang = str(row.data.get("lang") or "?")
        context = tuple(row.get("context", list, default=[], check=_turns))
        out.append(RiskRow(str(row.data.get("id", row.line)), text, lang, level, context))
    return out


def held_out(rows: list[RiskRow]) -> list[RiskRow]:
    """Only the rows the risk model's seeded split kept out of training (its test part)."""
    from companion.risk.training import Example

    return [r for r in rows if Example(r.id, r.text, r.lang, r.risk, "").split == "test"]


def evaluate_risk(scorer: RiskScorer, files: list[Path], test_split_only: bool = False, progress: bool = True) -> dict:
    """Score every message with the full scorer (model + patterns), after its row's earlier turns
    if it has any; metrics per file and language (and over all files together, when there are
    several), latency, and the data for plots (under "_arrays", dropped from the JSON)."""
    from tqdm import tqdm

    sets = {path: read_risk_rows(path) for path in files}  # every file checked before any scoring
    model = scorer.model
    result: dict = {
        "thresholds": {
            lang: {"escalate": e, "ask": a}
            for lang, (e, a) in (model.by_language or {"any": (model.threshold, model.ask_threshold)}).items()
        },
        "files": {},
    }
    scored: list[tuple[RiskRow, Level, float, float]] = []
    for path, file_rows in sets.items():
        if test_split_only:
            file_rows = held_out(file_rows)
            if not file_rows:
                raise EvalSetError(f"{path}: no row is in the risk model's test split", "drop --test-split")
        these = []
        for row in tqdm(file_rows, desc=f"Scoring {path.name}", unit="msg", disable=not progress):
            start = time.perf_counter()
            a = scorer.assess(row.text, row.context)
            these.append((row, a.level, a.needs_human, (time.perf_counter() - start) * 1000))
        result["files"][path.name] = _summary(these)
        scored += these
    if len(sets) > 1:
        result["files"][f"all {len(sets)} files"] = _summary(scored)
    return result


def _summary(scored: list[tuple[RiskRow, Level, float, float]]) -> dict:
    """Metrics per language of (row, level, P(needs human), milliseconds) readings."""
    file_rows = [r for r, *_ in scored]
    y = np.array([r.risk for r in file_rows])
    pred, ph, ms = (np.array([s[i] for s in scored]) for i in (1, 2, 3))
    langs = np.array([r.lang for r in file_rows])
    per_lang, arrays = {}, {}
    for lang in sorted(set(langs)):
        mask = langs == lang
        per_lang[lang] = risk_metrics(y[mask], pred[mask]) | {
            "latency_ms": latency(ms[mask].tolist()),
            "curve": threshold_curve(y[mask], ph[mask], CURVE),
        }
        arrays[lang] = (y[mask], pred[mask], ph[mask])
    missed = [
        {"id": r.id, "lang": r.lang, "true": r.risk.label, "predicted": Level(p).label, "text": r.text[:300]}
        for r, p in zip(file_rows, pred, strict=True)
        if (r.risk >= Level.HIGH) != (p >= Level.HIGH)
    ]
    return {
        "rows": len(file_rows),
        "per_language": per_lang,
        "latency_ms": latency(ms.tolist()),
        "errors": missed[:200],  # missed high+imminent and false alarms, for reading
        "_arrays": arrays,
    }


def plot_risk(
    groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    path: Path,
    title: str,
    thresholds: tuple[float, ...] = (),
) -> None:
    """One confusion matrix per group, then recall / false alarms over the threshold on
    P(high)+P(imminent). groups: name -> (true levels, predicted levels, P(needs human))."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(5.2 * (len(groups) + 1), 4.6))
    axes = np.atleast_1d(axes)
    grid = np.linspace(0.01, 0.99, 99)
    curve = axes[-1]
    for ax, (name, (y, pred, p_human)) in zip(axes, groups.items(), strict=False):
        cm = risk_metrics(y, pred)["confusion"]
        ax.imshow(np.log1p(cm), cmap="Blues")
        for i in range(len(Level)):
            for j in range(len(Level)):
                ax.text(j, i, cm[i][j], ha="center", va="center", fontsize=9)
        ax.set_xticks(range(len(Level)), NAMES, rotation=30)
        ax.set_yticks(range(len(Level)), NAMES)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{name} (n={len(y)})", fontsize=10)
        human, safe = needs_human(y), y <= Level.LOW
        if human.any():
            curve.plot(grid, [(p_human[human] >= t).mean() for t in grid], label=f"{name}: recall")
        if safe.any():
            curve.plot(grid, [(p_human[safe] >= t).mean() for t in grid], "--", label=f"{name}: false alarms")
    for t in thresholds:
        curve.axvline(t, color="grey", lw=1)
    curve.axhline(0.95, color="green", lw=0.6)
    curve.axhline(0.10, color="red", lw=0.6)
    curve.set_xlabel("threshold on P(high)+P(imminent)")
    curve.set_ylim(-0.02, 1.02)
    curve.set_title(title, fontsize=10)
    curve.legend(fontsize=7)
    save_figure(fig, path)


def risk_lines(result: dict) -> list[str]:
    """The console summary, one line per file and language."""
    lines = []
    for name, f in result["files"].items():
        for lang, m in f["per_language"].items():
            lines.append(
                f"{name} [{lang}] n={m['n']}: recall(high+imminent) {fmt(m['recall_needs_human'])}, asked-or-queued "
                f"{fmt(m['recall_asked_or_queued'])}, false alarms(none+low) {fmt(m['false_alarm_none_low'])}, "
                f"macro-F1 {m['macro_f1']:.3f}"
            )
        lat = f["latency_ms"]
        lines.append(f"{name}: latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    return lines


def risk_gates(result: dict, min_recall: float | None = None, max_false_alarm: float | None = None) -> list[str]:
    """The gates that failed, each as one line (empty when all pass)."""
    failures = []
    for name, f in result["files"].items():
        for lang, m in f["per_language"].items():
            rec, fa = m["recall_needs_human"], m["false_alarm_none_low"]
            if min_recall is not None and rec is not None and rec < min_recall:
                failures.append(f"{name} [{lang}] recall of high+imminent {rec:.3f} < --min-recall {min_recall}")
            if max_false_alarm is not None and fa is not None and fa > max_false_alarm:
                failures.append(
                    f"{name} [{lang}] false alarms on none+low {fa:.3f} > --max-false-alarm {max_false_alarm}"
                )
    return failures


def risk_report(result: dict, out: Path) -> Path:
    """Plots, result.json and report.html in `out` (drops the raw arrays from `result`)."""
    sections = []
    thresholds = tuple(sorted({t["escalate"] for t in result["thresholds"].values()}))
    for name, f in result["files"].items():
        arrays = f.pop("_arrays")
        image = out / f"{Path(name).stem.replace(' ', '-')}.png"
        plot_risk({f"{name} {lang}": a for lang, a in arrays.items()}, image, name, thresholds)
        rows_ = [
            (
                lang,
                m["n"],
                m["recall_needs_human"],
                m["recall_asked_or_queued"],
                m["false_alarm_none_low"],
                m["asked_none_low"],
                m["macro_f1"],
                m["latency_ms"]["p50"],
                m["latency_ms"]["p95"],
            )
            for lang, m in f["per_language"].items()
        ]
        body = table(
            [
                "lang",
                "n",
                "recall high+imminent",
                "asked or queued",
                "false alarms none+low",
                "asked none+low",
                "macro-F1",
                "p50 ms",
                "p95 ms",
            ],
            rows_,
        )
        if f["errors"]:
            body += "<h3>Missed high+imminent and false alarms (first 200)</h3>" + table(
                ["id", "lang", "true", "predicted", "text"],
                [(e["id"], e["lang"], e["true"], e["predicted"], e["text"]) for e in f["errors"]],
                text_columns=(4,),
            )
        sections.append((name, body, [image]))
    return write_outputs(out, "Companion risk evaluation", result, sections)
