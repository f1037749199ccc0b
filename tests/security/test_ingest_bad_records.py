"""One bad record never stops the rest: fields of the wrong type are coerced or the record
is skipped and named (`path:line` for JSON lines, `path#record N` for JSON); an article
Chroma still rejects inside a batch is retried alone so only it is skipped; an oversized
JSON line is skipped without being read into memory. Real MiniLM, real Chroma."""

from __future__ import annotations

import json
import tracemalloc

from tests.conftest import make_settings
from tests.ingest.conftest import stored
from index.check import check_index
from ingest.readers import ReadContext, read_file
from ingest.run import ingest_sources


def good(n: int, **fields) -> dict:
    record = {"url": f"https://news.example.org/2023/05/{n:02d}/story-{n}", "title": f"Good story {n}",
              "text": f"Council number {n} approved a new budget for the harbour on Monday, officials said.\n\n"
                      f"The vote passed with a large majority after a long debate about ferry services {n}.",
              "published": "2023-05-01"}
    return {**record, **fields}


def jsonl_lines() -> list[str]:
    return [
        json.dumps(good(1)),
        json.dumps(good(2, category={"name": "politics", "id": 7})),       # line 2: object field
        json.dumps(good(3, title=["Harbour", "budget"])),                   # line 3: list title
        json.dumps(good(4, published=1e20)),                                # line 4: no such date
        "[" * 100_000 + "]" * 100_000,                                      # line 5: 100k-deep array
        json.dumps(good(6)).replace('"2023-05-01"', "9" * 5000),            # line 6: 5000-digit number
        json.dumps(good(7, authors=[{"name": ["A"]}, 5])),                  # line 7: authors of objects
        json.dumps(good(8, title="Lone \ud800 surrogate")),                 # line 8: not UTF-8-encodable
        json.dumps(good(9, text=["First part of the text.", {"x": 1}])),    # line 9: text with an object
        json.dumps(good(10)),
    ]


def test_bad_fields_are_coerced_or_the_record_is_named(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    jsonl = folder / "export.jsonl"
    jsonl.write_text("\n".join(jsonl_lines()) + "\n", encoding="utf-8")
    records = [good(11), good(12, category=["a", "b"]), good(13, source={"name": {"deep": 1}}), good(14, published=-1e300)]
    (folder / "export.json").write_text(json.dumps({"articles": records}), encoding="utf-8")
    settings = make_settings(tmp_path / "data", sources=[str(folder)])

    report = ingest_sources(settings)  # today: Chroma rejects line 2 inside the pipeline, the run aborts

    skipped = {s["path"]: s["reason"] for s in report.skipped}
    assert set(skipped) == {f"{jsonl}:2", f"{jsonl}:3", f"{jsonl}:5", f"{jsonl}:7", f"{jsonl}:9",
                            f"{folder / 'export.json'}#record 2", f"{folder / 'export.json'}#record 3"}, skipped
    assert "category" in skipped[f"{jsonl}:2"] and "title" in skipped[f"{jsonl}:3"]
    assert "nested" in skipped[f"{jsonl}:5"] and "authors" in skipped[f"{jsonl}:7"]
    titles = {e["meta"]["title"]: e["meta"] for e in stored(settings).values()}
    assert {"Good story 1", "Good story 4", "Good story 6", "Good story 10", "Good story 11", "Good story 14"} <= set(titles)
    assert titles["Good story 4"]["published"] == "" and titles["Good story 6"]["published"] == ""
    assert titles["Good story 1"]["published"] == "2023-05-01"
    assert any(t.startswith("Lone") and "surrogate" in t for t in titles)  # made encodable, kept
    assert report.added == 7 and check_index(settings).clean

    again = ingest_sources(settings)  # the bad records are named again, nothing else changes
    assert {s["path"] for s in again.skipped} == set(skipped) and again.added == 0 and again.unchanged == 7


def test_an_article_chroma_rejects_is_retried_alone_and_skipped(tmp_path, monkeypatch):
    import ingest.run
    from ingest.chunking import article_to_document

    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(1, 6):
        (folder / f"{n}.json").write_text(json.dumps(good(n)), encoding="utf-8")

    def poisoned(article):  # a metadata value that slipped past validation: Chroma refuses it
        doc = article_to_document(article)
        if article.title == "Good story 3":
            doc.metadata["category"] = {"not": "a string"}
        return doc

    monkeypatch.setattr(ingest.run, "article_to_document", poisoned)
    settings = make_settings(tmp_path / "data", sources=[str(folder)])
    report = ingest_sources(settings)
    assert [s["path"] for s in report.skipped] == [str(folder / "3.json")], report.skipped
    assert report.added == 4
    assert {e["meta"]["title"] for e in stored(settings).values()} == {f"Good story {n}" for n in (1, 2, 4, 5)}
    assert check_index(settings).clean

    monkeypatch.setattr(ingest.run, "article_to_document", article_to_document)
    fixed = ingest_sources(settings)  # not stat-cached while it failed: the next run stores it
    assert fixed.added == 1 and fixed.skipped == [] and len(stored(settings)) == 5


def test_an_oversized_line_is_skipped_without_reading_it_whole(tmp_path):
    path = tmp_path / "big.jsonl"
    huge = json.dumps(good(2, text="word " * 6_000_000))  # a 30 MB line
    path.write_text(json.dumps(good(1)) + "\n" + huge + "\n" + json.dumps(good(3)) + "\n", encoding="utf-8")
    ctx = ReadContext(max_bytes=1_000_000)
    tracemalloc.start()
    try:
        articles = read_file(path, ctx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [a.title for a in articles] == ["Good story 1", "Good story 3"]
    assert [s["path"] for s in ctx.skipped] == [f"{path}:2"] and "cap" in ctx.skipped[0]["reason"]
    assert peak < 8_000_000, f"peak {peak:,} bytes while reading a 30 MB line"
