"""Clutter removal (one module for every format) on the real seed file, and chunk sizes."""

from __future__ import annotations

from tests.ingest.conftest import SEED_FILE
from ingest.clutter import clean_text
from ingest.readers import ReadContext, read_file

SEED_CLUTTER = [
    "Marco Rubio in Dominican Republic",
    "Claudia Sheinbaum of Mexico",
    "Trump, Mexico agree to pause tariffs for one month",
    "Comments(0)",
    "Top Comments",
    "Comment Form",
]


def test_seed_clutter_removed_and_facts_kept():
    article = read_file(SEED_FILE, ReadContext())[0]
    for clutter in SEED_CLUTTER:
        assert clutter not in article.text
    assert "$5.2 million" in article.text and "$2.5 million pending" in article.text
    assert article.text.startswith("Amid a federal funding freeze")
    assert article.text.rstrip().endswith("Venezuela and Colombia.")


def test_prompts_player_text_bylines_and_datelines():
    text = "\n\n".join([
        "New York (CNN Business) Shares of the airline rose 5% on Monday.",
        "By Jane Doe and John Roe, CNN",
        "Video player was slow to load content Video content never loaded Ad froze or did not finish loading "
        "Video content did not start after ad Audio on ad was too loud Other issues",
        "Sign up for our Before the Bell newsletter to get the news in your inbox.",
        "Share this article",
        "Follow CNN reporter Jane Doe on Twitter: @janedoe",
        "Photos: Floods in Europe Rescuers in a boat on Tuesday. Hide Caption 3 of 20",
        "Related: Airline stocks slump",
        "The deal is expected to close next year, the companies said.",
    ])
    cleaned = clean_text(text)
    assert cleaned.paragraphs == [
        "Shares of the airline rose 5% on Monday.",
        "The deal is expected to close next year, the companies said.",
    ]
    assert cleaned.dateline == "New York (CNN Business)"
    assert cleaned.byline == ["Jane Doe", "John Roe"]


def test_prose_is_kept():
    text = "Share prices rose.\n\nShe said she would sign up for the course, which starts in May.\n\n" \
           "\"We are delighted,\" the coach said."
    assert len(clean_text(text).paragraphs) == 3


def test_no_seed_chunk_over_the_model_window():
    from index.embedding import count_tokens, max_seq_length
    from index.settings import Settings
    from ingest.chunking import article_to_document, make_splitter
    from llama_index.core.schema import MetadataMode

    settings = Settings(_env_file=None)
    doc = article_to_document(read_file(SEED_FILE, ReadContext())[0])
    nodes = make_splitter(settings.chunk_tokens, settings.chunk_overlap).get_nodes_from_documents([doc])
    assert len(nodes) >= 2
    limit = max_seq_length()
    assert limit == 256
    for node in nodes:
        embedded = node.get_content(metadata_mode=MetadataMode.EMBED)  # title + chunk, as embedded
        assert doc.metadata["title"] in embedded
        assert len(count_tokens(embedded)) + 2 <= limit  # + [CLS] and [SEP]
        for clutter in SEED_CLUTTER:
            assert clutter not in node.get_content()
