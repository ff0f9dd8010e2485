"""Self-contained HTML reports: tables and matplotlib plots embedded as base64 PNG."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STYLE = (
    "body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:0.6em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    "td.text{text-align:left;max-width:60em;white-space:pre-wrap}.fail{color:#b00}.pass{color:#070}"
    "img{max-width:100%;display:block;margin:0.6em 0}"
)


def pyplot():
    """matplotlib's pyplot on the file-only backend. Plots label things by id: no CJK font is assumed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path, dpi: int = 90, top: float = 1.0) -> Path:
    """Write a figure as PNG; `top` < 1 leaves room above the axes for a figure legend."""
    plt = pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout(rect=(0, 0, 1, top))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], text_columns: Sequence[int] = ()) -> str:
    """An HTML table; cells are escaped, floats shown to three places."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = " class='text'" if i in text_columns else ""
            cells.append(f"<td{css}>{html.escape(fmt(cell))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def paragraph(text: str, css: str = "") -> str:
    return f"<p class='{css}'>{html.escape(text)}</p>" if css else f"<p>{html.escape(text)}</p>"


def html_report(title: str, sections: list[tuple[str, str, list[Path]]]) -> str:
    """A self-contained HTML page: each section has a heading, an HTML body and PNG plots."""
    parts = [
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, body, images in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
        for image in images:
            data = base64.b64encode(image.read_bytes()).decode()
            parts.append(f"<img alt='{html.escape(image.stem)}' src='data:image/png;base64,{data}'>")
    return "\n".join(parts)


def write_outputs(out: Path, title: str, result: dict, sections: list[tuple[str, str, list[Path]]]) -> Path:
    """result.json and report.html in `out`; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    report = out / "report.html"
    report.write_text(html_report(title, sections), encoding="utf-8")
    return report
