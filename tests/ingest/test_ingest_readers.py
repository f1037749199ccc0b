"""Each format reads to the same article record; bad input is named with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ingest.conftest import CORPUS_ARTICLES, HTML_PAGE
from ingest.readers import ReadContext, UnreadableInput, read_file
from ingest.discover import discover
from ingest.report import IngestReport


def read_corpus(corpus: Path) -> dict[str, object]:
    articles = {}
    for unit in discover([corpus], IngestReport()):
        for article in read_file(unit.path, ReadContext(root=unit.root)):
            articles[article.title] = article
    return articles


def test_every_format_reads_with_its_metadata(corpus):
    arts = read_corpus(corpus)
    assert len(arts) == CORPUS_ARTICLES

    seed = arts["Rubio Uses Waivers to Maintain Key Border Security and Anti-Fentanyl Programs in Mexico"]
    assert seed.published == "2025-01-24" and seed.category is None  # seeds/ is no category
    assert seed.url is None and seed.article_id

    bbc = arts["Mobile phone sales hit record level"]
    assert bbc.category == "tech" and bbc.published is None  # never "today"

    latin = arts["Café owner wins £1m lottery"]
    assert latin.category == "sport" and "Nîmes" in latin.text and "£1m prize" in latin.text

    html = arts["Harbour bridge reopens after repairs"]
    assert html.url == "https://coastal.example.com/news/harbour-bridge-reopens"
    assert html.published == "2024-03-05" and html.authors == ["Maria Lopez"]
    assert html.source == "The Coastal Times"
    assert "newsletter" not in html.text and "Video player" not in html.text
    assert "Home" not in html.text.split() and "All rights reserved" not in html.text

    wheat = next(a for a in arts.values() if a.url and "wheat" in a.url)
    assert wheat.title.startswith("Wheat prices surged to a record")  # derived from the text
    assert wheat.published == "2022-06-01" and wheat.authors == ["Ann Lee"]
    assert wheat.source == "news.example.org"
    solar = arts["Largest solar farm opens"]
    assert solar.published is None

    river = arts["River festival draws record crowds"]
    assert river.url == "https://valleyherald.example.net/2023/08/12/river-festival"
    assert river.published == "2023-08-12" and river.source == "Valley Herald"
    assert river.authors == ["Tom Baker"]
    assert "fireworks display" in river.text  # the full content, not the summary
    assert "Short summary only" not in river.text
    assert arts["Library extends opening hours"].published == "2023-08-14"

    tram = arts["Tram line extension approved"]
    assert tram.published == "2024-11-20" and tram.url == "https://metro.example.com/tram-extension"
    assert tram.authors == ["Sam Patel"] and "**" not in tram.text and "#" not in tram.text


def test_article_id_from_url_else_path(corpus, tmp_path):
    arts = read_corpus(corpus)
    html = arts["Harbour bridge reopens after repairs"]
    # the same canonical url gives the same id whatever file it came from
    copy = tmp_path / "elsewhere.html"
    copy.write_text(HTML_PAGE)
    assert read_file(copy)[0].article_id == html.article_id
    bbc = arts["Mobile phone sales hit record level"]
    again = read_file(corpus / "tech" / ".." / "tech" / "001.txt")[0]
    assert again.article_id == bbc.article_id  # normalised path


def test_realtimeqa_shape_ingests_as_is():
    path = Path(__file__).resolve().parents[3] / "shared" / "eval" / "realtimeqa-dev" / "articles.jsonl"
    if not path.exists():
        pytest.skip("../shared is not here")
    ctx = ReadContext(max_bytes=100_000_000)
    articles = read_file(path, ctx)
    assert ctx.skipped == [] and len(articles) == 2030
    assert all(a.title for a in articles)
    assert all(a.published is None or len(a.published) == 10 for a in articles)
    assert not any("Video player was slow to load" in a.text for a in articles)


def test_truncated_json_line_is_skipped_and_the_rest_ingests(tmp_path):
    path = tmp_path / "cut.jsonl"
    good = {"url": "https://x.example/a", "title": "A", "text": "Alpha story body text here."}
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"url": "https://x.example/b"})[:30] + "\n"
                    + json.dumps(good | {"url": "https://x.example/c", "title": "C"}) + "\n")
    ctx = ReadContext()
    articles = read_file(path, ctx)
    assert [a.title for a in articles] == ["A", "C"]
    assert ctx.skipped == [{"path": f"{path}:2", "reason": ctx.skipped[0]["reason"]}]
    assert "line 2" in ctx.skipped[0]["reason"] and "broken JSON" in ctx.skipped[0]["reason"]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
        ("broken.json", b'{"title": "x", "text": "abc', "broken JSON"),
        ("headline-only.txt", b"Just a headline\n", "no article text"),
    ],
)
def test_bad_input_is_named(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableInput, match=reason):
        read_file(path, ReadContext())


def test_size_cap_names_the_setting(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # a sparse 200 MB file: costs no disk
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(UnreadableInput, match="NEWSBOT_MAX_ARTICLE_BYTES"):
        read_file(path, ReadContext(max_bytes=20_000_000))


def test_permission_denied_is_named(tmp_path, monkeypatch):
    # Tests run as root, for whom chmod 000 does not block reads: simulate the OS error.
    path = tmp_path / "locked.txt"
    path.write_text("Headline\n\nBody text of the story.\n")
    real = Path.read_bytes

    def deny(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(UnreadableInput, match="permission denied"):
        read_file(path, ReadContext())
