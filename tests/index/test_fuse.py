"""`fuse`: how the vector and keyword lists become one ranking. Each case is built so
that the fused scores, worked out by hand in the comments, decide the order, and a
wrong formula (a missing normalisation, an unclipped cosine, a boost for future dates)
would give another order."""

from __future__ import annotations

from datetime import date

from index.retrieval import RRF_K, Window, fuse
from tests.conftest import source_hit

AS_OF = date(2025, 3, 10)


def _hit(article: str, score: float = 0.0, published: str | None = None, chunk: int = 0):
    return source_hit(article, f"text of {article}", chunk_id=f"{article}-{chunk:04d}", score=score,
                      published=published)


def _ids(hits) -> list[str]:
    return [h.chunk_id.removesuffix("-0000") for h in hits]


def _score(vector, keyword, weight=1.5, **kw):
    return _ids(fuse(vector, keyword, Window(), keyword_weight=weight, recency_days=None, **kw))


def _day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def test_empty_lists_fuse_to_nothing():
    assert fuse([], [], Window(), 1.5, 30.0) == []
    assert fuse([], [], Window(), 1.5, 30.0, fusion="rrf") == []


def test_one_list_alone_keeps_its_order():
    vector = [_hit("a", 0.9), _hit("b", 0.5)]
    keyword = [(_hit("c"), 7.0), (_hit("d"), 0.0)]  # a zero best BM25 must not divide by zero
    assert _score(vector, []) == ["a", "b"]
    assert _score([], keyword) == ["c", "d"]
    assert _score([], [(_hit("c"), 0.0)]) == ["c"]
    assert _ids(fuse([], keyword, Window(), 1.5, None, fusion="rrf")) == ["c", "d"]


def test_score_fusion_adds_cosine_and_weighted_bm25_over_the_best():
    # a = 0.80; b = 0.70 + w × 6/6; c = w × 3/6. With w = 1.5: b 2.20, a 0.80, c 0.75.
    vector = [_hit("a", 0.80), _hit("b", 0.70)]
    keyword = [(_hit("b"), 6.0), (_hit("c"), 3.0)]
    assert _score(vector, keyword, weight=1.5) == ["b", "a", "c"]
    # c passes a where w × 0.5 > 0.80, i.e. w > 1.6: with w = 1.7, c 0.85 > a 0.80
    assert _score(vector, keyword, weight=1.7) == ["b", "c", "a"]


def test_score_fusion_clips_a_negative_cosine_to_zero():
    # d = max(0, -0.30) + 1.5 × 1.2/6 = 0.30; f = 0.05 + 1.5 × 0.8/6 = 0.25.
    # Unclipped, d would be 0.00 and rank below f.
    vector = [_hit("f", 0.05), _hit("d", -0.30)]
    keyword = [(_hit("x"), 6.0), (_hit("d"), 1.2), (_hit("f"), 0.8)]
    assert _score(vector, keyword) == ["x", "d", "f"]


def test_rrf_ranks_not_scores():
    # a = 1/61 + 1/62 = 0.03252; c = 1/61 = 0.01639; b = 1/62 = 0.01613.
    vector = [_hit("a", 0.90), _hit("b", 0.10)]
    keyword = [(_hit("c"), 1000.0), (_hit("a"), 1.0)]
    assert RRF_K == 60
    assert _score(vector, keyword, weight=1.0, fusion="rrf") == ["a", "c", "b"]
    # score fusion on the same lists: c = 1.5 × 1000/1000 = 1.50; a = 0.90 + 1.5 × 1/1000 = 0.9015; b = 0.10
    assert _score(vector, keyword, weight=1.5) == ["c", "a", "b"]


def test_ties_keep_the_vector_list_first():
    # rrf, weight 1: a = 1/61 (vector rank 1) and c = 1/61 (keyword rank 1): a tie, kept in
    # the order the lists are read; weight 1.5 gives c 1.5/61 = 0.0246 > a.
    vector, keyword = [_hit("a", 0.4)], [(_hit("c"), 2.0)]
    assert _score(vector, keyword, weight=1.0, fusion="rrf") == ["a", "c"]
    assert _score(vector, keyword, weight=1.5, fusion="rrf") == ["c", "a"]
    # score fusion: a = 0.50, c = 0.5 × 2/2 = 0.50
    assert _score([_hit("a", 0.5)], keyword, weight=0.5) == ["a", "c"]


def test_title_scores_count_only_candidate_articles():
    # best title among candidates is a's 4.0 (x is no candidate): a = 0.60 + 0.5 × 4/4 = 1.10 > b 0.95.
    # Normalised by x's 10.0 instead, a would be 0.60 + 0.20 = 0.80 < b.
    vector = [_hit("b", 0.95), _hit("a", 0.60)]
    titles = {"a": 4.0, "x": 10.0}
    assert _score(vector, [], title_scores=titles, title_weight=0.5) == ["a", "b"]
    assert _score(vector, [], title_scores=titles, title_weight=0.0) == ["b", "a"]


def test_title_scores_in_rrf_add_by_title_rank_to_every_chunk_of_the_article():
    # vector ranks: b-0 1, a-0 2, a-1 3; title ranks (score > 0 only): a 1.
    # b-0 = 1/61 = 0.01639; a-0 = 1/62 + 2/61 = 0.04892; a-1 = 1/63 + 2/61 = 0.04866.
    vector = [_hit("b", 0.9), _hit("a", 0.8), _hit("a", 0.7, chunk=1)]
    ranked = fuse(vector, [], Window(), 1.0, None, title_scores={"a": 3.0, "b": 0.0}, title_weight=2.0,
                  fusion="rrf")
    assert [h.chunk_id for h in ranked] == ["a-0000", "a-0001", "b-0000"]


def test_latest_questions_multiply_by_freshness_on_the_windows_scale_over_the_setting():
    # as of 2025-03-10: a 0.50 one day old, b 0.80 thirty days old. a × e^(-1/s) = b × e^(-30/s)
    # at s = 29 / ln(1.6) = 61.7: a leads with a shorter scale, b with a longer one.
    vector = [_hit("a", 0.50, "2025-03-09"), _hit("b", 0.80, "2025-02-08")]
    as_of = _day(AS_OF)
    # scale 100: a 0.50 × e^-0.01 = 0.495, b 0.80 × e^-0.3 = 0.593
    assert _ids(fuse(vector, [], Window(as_of_day=as_of, latest=True), 1.5, 100.0)) == ["b", "a"]
    # the window's 30 days win over the setting's 100: a 0.484, b 0.294
    assert _ids(fuse(vector, [], Window(as_of_day=as_of, recency_days=30.0, latest=True), 1.5, 100.0)) == ["a", "b"]
    # no day asked, no prior: the cosines decide
    assert _ids(fuse(vector, [], Window(recency_days=30.0, latest=True), 1.5, 100.0)) == ["b", "a"]
    assert _ids(fuse(vector, [], Window(as_of_day=as_of, latest=True), 1.5, None)) == ["b", "a"]


def test_recency_is_evidence_not_an_eraser():
    as_of = _day(AS_OF)
    # a clearly more relevant old article beats a loosely related new one:
    # old 0.80 × (1 + 0.1 × e^(-365/30)) = 0.800; new 0.45 × (1 + 0.1 × e^(-1/30)) = 0.494
    pair = [_hit("old", 0.80, "2024-03-10"), _hit("new", 0.45, "2025-03-09")]
    assert _ids(fuse(pair, [], Window(as_of_day=as_of), 1.5, 30.0, recency_weight=0.1)) == ["old", "new"]
    # ... which the multiplicative prior buried: old 0.80 × 5e-6 ≈ 0, new 0.435
    assert _ids(fuse(pair, [], Window(as_of_day=as_of, latest=True), 1.5, 30.0)) == ["new", "old"]
    # among articles about as relevant, newer wins: old 0.60 × 1.000, new 0.58 × 1.097 = 0.636
    alike = [_hit("old", 0.60, "2024-03-10"), _hit("new", 0.58, "2025-03-09")]
    assert _ids(fuse(alike, [], Window(as_of_day=as_of), 1.5, 30.0, recency_weight=0.1)) == ["new", "old"]
    # weight 0: dates never rank
    assert _ids(fuse(alike, [], Window(as_of_day=as_of), 1.5, 30.0, recency_weight=0.0)) == ["old", "new"]


def test_undated_articles_are_neither_newer_nor_older_and_future_ones_are_not_boosted():
    as_of = _day(AS_OF)
    # n today (freshness 1), o a year ago (~0): undated u gets their mean, 0.5.
    # n 0.50 × 1.1 = 0.550, u 0.52 × 1.05 = 0.546, o 0.54 × 1.0 = 0.540
    hits = [_hit("n", 0.50, "2025-03-10"), _hit("u", 0.52), _hit("o", 0.54, "2024-03-10")]
    assert _ids(fuse(hits, [], Window(as_of_day=as_of), 1.5, 30.0, recency_weight=0.1)) == ["n", "u", "o"]
    # for a "latest" question too: n 0.50, u 0.52 × 0.5 = 0.26, o ≈ 0
    assert _ids(fuse(hits, [], Window(as_of_day=as_of, latest=True), 1.5, 30.0)) == ["n", "u", "o"]
    # an undated article among undated ones only: relevance alone
    assert _ids(fuse([_hit("x", 0.4), _hit("y", 0.5)], [], Window(as_of_day=as_of, latest=True), 1.5, 30.0)) == ["y", "x"]
    # f 0.49 dated ten days after the day asked counts as new (age 0, not -10: × 1.40 would be 0.68)
    future = [_hit("g", 0.50, "2025-03-10"), _hit("f", 0.49, "2025-03-20")]
    assert _ids(fuse(future, [], Window(as_of_day=as_of, latest=True), 1.5, 30.0)) == ["g", "f"]
