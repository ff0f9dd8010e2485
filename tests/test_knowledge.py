"""Documents, chunking and incremental ingestion into a real Chroma index."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.errors import DocumentError
from companion.knowledge import Knowledge, chunk_document, load_document, load_documents
from tests.conftest import KNOWLEDGE

GOOD = """---
id: {id}
title: Test topic
language: en
tags: [test, 988]
sources: ["World Health Organization: test page"]
last_reviewed: 2026-11-23
---

# Test topic

## Section one
This section explains something useful for young people in enough words to pass the check.
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_every_shipped_document_is_valid_and_both_languages_cover_the_same_topics():
    docs = load_documents(KNOWLEDGE)
    ids = {lang: {d.meta.id for d in docs if d.meta.language == lang} for lang in ("en", "zh")}
    assert len(ids["en"]) >= 30
    assert ids["en"] == ids["zh"]
    for doc in docs:
        assert doc.meta.sources, doc.path
        assert len(chunk_document(doc)) >= 3, doc.path  # sections chunk separately


def test_numeric_tags_are_read_as_text(tmp_path):
    doc = load_document(write(tmp_path / "en", "t1.md", GOOD.format(id="t1")))
    assert doc.meta.tags == ["test", "988"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\x01binary\x00", "binary"),
        ("\udcff".encode("utf-8", "surrogateescape") + b"\xff\xfe", "UTF-8"),
        (
            "# No front matter\n\nJust text that goes on for a while, more than eighty characters.",
            "front matter",
        ),
        ("---\nid: [unclosed\n---\nbody", "not valid YAML"),
        (GOOD.format(id="t1").replace("title: Test topic\n", ""), "title"),
        (GOOD.format(id="t1").replace("language: en", "language: fr"), "language"),
        (GOOD.format(id="other"), "does not match the file name"),
        (GOOD.format(id="t1").replace("language: en", "language: zh"), "but the file is in en/"),
        (GOOD.format(id="t1").split("# Test topic")[0] + "short", "too short"),
        (b"---\n" + b"x" * 600_000, "too large"),
    ],
)
def test_malformed_document_is_rejected_with_its_file_named(tmp_path, content, reason):
    path = write(tmp_path / "en", "t1.md", content)
    with pytest.raises(DocumentError) as err:
        load_document(path)
    assert str(path) in str(err.value)
    assert reason in str(err.value)


def test_ingestion_is_incremental_and_idempotent(settings):
    knowledge = Knowledge(settings)
    first = knowledge.ingest(show_progress=False)
    assert sorted(first.added) == ["en/anger", "en/sleep", "zh/sleep"]
    chunks = knowledge.count()
    assert first.chunks_embedded == chunks > 0

    again = Knowledge(settings).ingest(show_progress=False)  # a new process would do this
    assert again.chunks_embedded == 0 and not again.changed
    assert sorted(again.unchanged) == ["en/anger", "en/sleep", "zh/sleep"]
    assert knowledge.count() == chunks

    anger = settings.knowledge_dir / "en" / "anger.md"
    anger.write_text(anger.read_text() + "\n## A new section\nCounting to ten before you answer helps.\n")
    (settings.knowledge_dir / "zh" / "sleep.md").unlink()
    changed = knowledge.ingest(show_progress=False)
    assert changed.updated == ["en/anger"] and changed.removed == ["zh/sleep"]
    assert changed.unchanged == ["en/sleep"]
    hits = knowledge.search("counting to ten before answering", "en", k=1)
    assert hits[0].doc_id == "anger"
    assert knowledge.search("睡不着", "zh") == []  # removed documents are gone from search


def test_a_malformed_document_aborts_ingestion_and_leaves_the_index_intact(settings):
    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=False)
    before = knowledge.count()
    bad = write(settings.knowledge_dir / "en", "broken.md", "---\ntitle: [oops\n---\n")
    (settings.knowledge_dir / "en" / "sleep.md").write_text(
        (settings.knowledge_dir / "en" / "sleep.md").read_text() + "\nExtra line.\n"
    )
    with pytest.raises(DocumentError) as err:
        knowledge.ingest(show_progress=False)
    assert "broken.md" in str(err.value)
    assert knowledge.count() == before
    bad.unlink()
    assert knowledge.ingest(show_progress=False).updated == ["en/sleep"]


def test_search_stays_in_the_asked_language(settings):
    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=False)
    assert {p.language for p in knowledge.search("sleep", "zh", k=3)} == {"zh"}
    assert {p.language for p in knowledge.search("睡眠", "en", k=3)} == {"en"}
