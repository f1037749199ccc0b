"""An article belongs to the source it came from: another source claiming its URL (case,
trailing slash and http variants included) never replaces its text, title or citation.
The same text elsewhere is recorded in `also_at`; a different text is skipped and named.
The article's own source can still update it. Real MiniLM, real Chroma."""

from __future__ import annotations

from tests.conftest import make_settings
from tests.ingest.conftest import stored
from index.check import check_index
from ingest.run import ingest_sources

URL = "https://news.example.com/2024/03/05/harbour-bridge-reopens"
TEXT = ("The harbour bridge reopened to traffic on Tuesday after eight months of repairs that cost the city "
        "14 million dollars.\n\nEngineers replaced the corroded steel cables, the council said in a statement.")
FAKE = ("The harbour bridge was sold to a private company on Tuesday, which will charge a toll of 40 dollars "
        "per crossing.\n\nThe council said the sale was final, and that no refunds would be given.")


def article_file(folder, name, title, url, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\nURL: {url}\nCreated: March 5, 2024\n\n{text}\n", encoding="utf-8")
    return path


def the_article(settings) -> dict:
    entries = [e for e in stored(settings).values() if e["meta"]["url"].lower().rstrip("/").endswith("harbour-bridge-reopens")]
    assert len(entries) == 1, entries
    return entries[0]


def test_a_second_source_cannot_take_over_a_url(tmp_path):
    publisher = tmp_path / "publisher"
    original = article_file(publisher, "bridge.txt", "Harbour bridge reopens after repairs", URL, TEXT)
    settings = make_settings(tmp_path / "data", sources=[str(publisher)])
    assert ingest_sources(settings).added == 1
    before = the_article(settings)

    drop = tmp_path / "drop"
    claims = [URL.upper().replace("HTTPS://", "http://") + "/", URL + "/", URL.replace("https://", "http://")]
    for n, claim in enumerate(claims):
        article_file(drop, f"claim{n}.txt", f"Harbour bridge sold {n}", claim, FAKE)
    hijack = ingest_sources(settings, [str(drop)])
    assert hijack.added == hijack.updated == 0
    reasons = {s["path"]: s["reason"] for s in hijack.skipped}
    assert set(reasons) == {str(drop / f"claim{n}.txt") for n in range(3)}, hijack.skipped
    assert all(str(original.resolve()) in r for r in reasons.values()), reasons

    for again in (ingest_sources(settings, [str(publisher), str(drop)]),  # stat cache on
                  ingest_sources(settings, [str(drop)], use_stat_cache=False)):
        assert len(again.skipped) == 3 and again.updated == 0
    after = the_article(settings)
    assert after["chunks"] == before["chunks"]
    for key in ("title", "url", "source_path", "published", "body_hash"):
        assert after["meta"][key] == before["meta"][key], key
    assert after["meta"]["title"] == "Harbour bridge reopens after repairs"
    assert "sold" not in " ".join(text for _, text in after["chunks"])
    assert check_index(settings).clean

    # the same text under the same url elsewhere: kept as it is, the copy recorded in also_at
    mirror = tmp_path / "mirror"
    copy = article_file(mirror, "copy.txt", "Harbour bridge reopens after repairs", URL + "/", TEXT)
    mirrored = ingest_sources(settings, [str(mirror)])
    assert mirrored.skipped == [] and mirrored.added == mirrored.updated == 0
    kept = the_article(settings)
    assert kept["meta"]["source_path"] == before["meta"]["source_path"]
    assert str(copy) in kept["meta"]["also_at"]

    # the article's own source still updates it
    original.write_text(original.read_text().replace("14 million", "15 million"), encoding="utf-8")
    updated = ingest_sources(settings, [str(publisher)])
    assert updated.updated == 1
    assert "15 million" in " ".join(text for _, text in the_article(settings)["chunks"])
    assert check_index(settings).clean
