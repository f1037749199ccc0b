"""BM25 that takes deltas: a main segment plus a small delta segment of term frequencies,
scored at query time from exact corpus statistics.

bm25s precomputes a score per (token, document) with the corpus's idf and average length
baked in, so one added document changes every stored score and forces a full rebuild.
Here each segment keeps raw term frequencies as postings (token id -> rows, tf), and the
statistics that BM25 needs (document frequency per token, live document count, total
length) are kept exact under adds and removes. A query scores only its few tokens'
postings with the Lucene formula bm25s uses by default:

    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
    score  = sum over query tokens of idf(t) * tf / (tf + k1 * (1 - b + b * len / avgdl))

so scores after any sequence of changes equal a from-scratch build's, by construction.
Adds append rows to the delta segment, removes tombstone rows; `compacted()` folds both
into a new main segment (Lucene's merge) once the delta is a fair fraction of the main.

Objects are immutable: a change returns a new index sharing the unchanged main segment,
so readers keep scoring the snapshot they hold while a writer builds the next one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

K1 = 1.5
B = 0.75


@dataclass(frozen=True)
class Segment:
    """Postings of some rows: for token t, rows[indptr[t]:indptr[t+1]] with their tfs."""

    indptr: np.ndarray  # int64, one more than the tokens this segment knows
    rows: np.ndarray  # int32 global row ids
    tfs: np.ndarray  # term frequencies as uint16 (a chunk repeats no word 65k times; scored in float64)

    @classmethod
    def empty(cls) -> Segment:
        return cls(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16))

    @classmethod
    def from_triples(cls, tokens: np.ndarray, rows: np.ndarray, tfs: np.ndarray, n_tokens: int) -> Segment:
        order = np.argsort(tokens, kind="stable")  # callers pass rows ascending
        tokens, rows, tfs = tokens[order], rows[order], tfs[order]
        indptr = np.zeros(n_tokens + 1, dtype=np.int64)
        np.cumsum(np.bincount(tokens, minlength=n_tokens), out=indptr[1:])
        return cls(indptr, rows.astype(np.int32), _tf_array(tfs))

    def postings(self, token: int) -> tuple[np.ndarray, np.ndarray]:
        if token + 1 >= len(self.indptr):
            return self.rows[:0], self.tfs[:0]
        start, end = self.indptr[token], self.indptr[token + 1]
        return self.rows[start:end], self.tfs[start:end]

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tokens = np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int64), np.diff(self.indptr))
        return tokens, self.rows, self.tfs

    def tokens_of(self, rows: np.ndarray) -> np.ndarray:
        """The token of every posting of the rows marked in `rows` (a bool per global row):
        each (row, token) pair is posted once, so these are the rows' distinct tokens."""
        at = np.flatnonzero(rows[self.rows])
        return np.searchsorted(self.indptr, at, side="right") - 1

    @property
    def nbytes(self) -> int:
        return self.indptr.nbytes + self.rows.nbytes + self.tfs.nbytes


def _tf_array(tfs: np.ndarray) -> np.ndarray:
    """Term frequencies in 2 bytes each, since the postings are most of BM25's memory (4
    only if some count does not fit)."""
    if len(tfs) and tfs.max() > np.iinfo(np.uint16).max:
        return tfs.astype(np.uint32)
    return tfs.astype(np.uint16)


def _count(docs: list[list[str]], vocab: dict[str, int], first_row: int):
    """(token ids, rows, tfs, lengths) of tokenised docs, rows ascending; new tokens join
    `vocab` in order of first appearance."""
    flat = [word for words in docs for word in words]
    for word in dict.fromkeys(flat):
        if word not in vocab:
            vocab[word] = len(vocab)
    lengths = np.fromiter((len(words) for words in docs), dtype=np.int64, count=len(docs))
    if not flat:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), lengths.astype(np.float64)
    tokens = np.fromiter((vocab[word] for word in flat), dtype=np.int64, count=len(flat))
    rows = np.repeat(np.arange(first_row, first_row + len(docs), dtype=np.int64), lengths)
    width = max(len(vocab), 1)
    pairs, tfs = np.unique(rows * width + tokens, return_counts=True)
    return pairs % width, pairs // width, tfs.astype(np.float64), lengths.astype(np.float64)


class _Weights(dict):
    """Token -> the main segment's BM25 weights under this snapshot's statistics: common
    words recur question after question. Bounded by postings held."""

    size = 0


@dataclass(frozen=True)
class SegmentedBM25:
    _CACHE_POSTINGS = 4_000_000  # 32 MB of float64 weights at most
    vocab: dict[str, int]  # append-only, shared by successive snapshots
    main: Segment
    delta: Segment
    n_main: int  # rows [0, n_main) are in main, the rest in delta
    doc_len: np.ndarray  # per row, tombstoned rows included
    alive: np.ndarray  # per row
    df: np.ndarray  # per token id (of this snapshot's vocabulary), live rows only
    n_live: int
    total_len: float  # of live rows

    @classmethod
    def build(cls, docs: list[list[str]], vocab: dict[str, int] | None = None) -> SegmentedBM25:
        return cls.build_pages([docs], vocab)

    @classmethod
    def build_pages(cls, pages: Iterable[list[list[str]]], vocab: dict[str, int] | None = None) -> SegmentedBM25:
        """One main segment of tokenised docs arriving page by page: each page is counted
        and dropped, so a build never holds every document's words at once."""
        vocab = {} if vocab is None else vocab
        counted, first = [(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.uint16), np.zeros(0))], 0
        for docs in pages:
            tokens, rows, tfs, lengths = _count(docs, vocab, first)
            counted.append((tokens.astype(np.int32), rows.astype(np.int32), _tf_array(tfs), lengths))
            first += len(docs)
        tokens, rows, tfs, lengths = (np.concatenate([c[i] for c in counted]) for i in range(4))
        n_tokens = len(vocab)
        return cls(
            vocab=vocab,
            main=Segment.from_triples(tokens, rows, tfs, n_tokens),
            delta=Segment.empty(),
            n_main=first,
            doc_len=lengths,
            alive=np.ones(first, dtype=bool),
            df=np.bincount(tokens, minlength=n_tokens).astype(np.int64),
            n_live=first,
            total_len=float(lengths.sum()),
        )

    def __len__(self) -> int:
        return len(self.alive)

    @property
    def delta_rows(self) -> int:
        return len(self.alive) - self.n_main

    def changed(self, add: list[list[str]], remove: list[int]) -> SegmentedBM25:
        """A new index with rows `remove` tombstoned and `add` appended as rows
        len(self), len(self)+1, ... (the caller's table appends in the same order)."""
        remove = np.asarray(remove, dtype=np.int64)
        if len(remove):
            assert len(np.unique(remove)) == len(remove) and self.alive[remove].all(), "remove live rows once"
        first = len(self.alive)
        tokens, rows, tfs, lengths = _count(add, self.vocab, first)
        n_tokens = len(self.vocab)
        df = np.zeros(n_tokens, dtype=np.int64)
        df[: len(self.df)] = self.df
        df += np.bincount(tokens, minlength=n_tokens)
        df -= np.bincount(self._tokens_of(remove), minlength=n_tokens)
        alive = np.concatenate([self.alive, np.ones(len(add), dtype=bool)])
        alive[remove] = False
        old = self.delta.triples()
        delta = Segment.from_triples(
            np.concatenate([old[0], tokens]), np.concatenate([old[1], rows]), np.concatenate([old[2], tfs]), n_tokens
        ) if len(add) else self.delta
        return SegmentedBM25(
            vocab=self.vocab, main=self.main, delta=delta, n_main=self.n_main,
            doc_len=np.concatenate([self.doc_len, lengths]), alive=alive, df=df,
            n_live=self.n_live - len(remove) + len(add),
            total_len=self.total_len - float(self.doc_len[remove].sum()) + float(lengths.sum()),
        )

    def _tokens_of(self, rows: np.ndarray) -> np.ndarray:
        """The distinct tokens of each of `rows`, read back from the postings (no texts are
        held to re-tokenise): one pass over the segments that hold any of them."""
        marked = np.zeros(len(self.alive), dtype=bool)
        marked[rows] = True
        parts = [np.zeros(0, dtype=np.int64)]
        if len(rows) and rows.min() < self.n_main:
            parts.append(self.main.tokens_of(marked))
        if len(rows) and rows.max() >= self.n_main:
            parts.append(self.delta.tokens_of(marked))
        return np.concatenate(parts)

    def needs_compaction(self, fraction: float) -> bool:
        waste = self.delta_rows + int(self.n_main - self.alive[: self.n_main].sum())
        return waste > fraction * max(self.n_main, 1)

    def compacted(self) -> tuple[SegmentedBM25, np.ndarray]:
        """One main segment of the live rows, renumbered; returns it and the old row of
        each new row (the table compacts with the same array)."""
        keep = np.flatnonzero(self.alive)
        new_row = np.full(len(self.alive), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        parts = [segment.triples() for segment in (self.main, self.delta)]
        tokens = np.concatenate([p[0] for p in parts])
        rows = np.concatenate([p[1] for p in parts])
        tfs = np.concatenate([p[2] for p in parts])
        live = self.alive[rows]
        n_tokens = len(self.df)
        main = Segment.from_triples(tokens[live], new_row[rows[live]], tfs[live], n_tokens)
        return SegmentedBM25(
            vocab=self.vocab, main=main, delta=Segment.empty(), n_main=len(keep),
            doc_len=self.doc_len[keep], alive=np.ones(len(keep), dtype=bool), df=self.df.copy(),
            n_live=len(keep), total_len=self.total_len,
        ), keep

    def token_ids(self, words: list[str]) -> list[int]:
        """The words this snapshot knows (live documents contain them), as token ids."""
        out = []
        for word in words:
            token = self.vocab.get(word)
            if token is not None and token < len(self.df) and self.df[token] > 0:
                out.append(token)
        return out

    def warm(self) -> None:
        self._norms()

    def _norms(self) -> np.ndarray:
        """k1 * (1 - b + b * len / avgdl) per row: fixed for a snapshot, so computed once."""
        norms = self.__dict__.get("_norm_cache")
        if norms is None:
            avgdl = self.total_len / self.n_live if self.n_live else 1.0
            norms = K1 * (1 - B + B * self.doc_len / avgdl)
            object.__setattr__(self, "_dead_cache", np.flatnonzero(~self.alive))
            object.__setattr__(self, "_weight_cache", _Weights())  # main-segment weights per token
            object.__setattr__(self, "_norm_cache", norms)
        return norms

    def scores(self, tokens: list[int]) -> np.ndarray:
        """BM25 of every row for these query tokens (repeats count again, as in bm25s);
        tombstoned rows score 0."""
        if not tokens or not self.n_live:
            return np.zeros(len(self.alive))
        norms = self._norms()
        cache = self.__dict__["_weight_cache"]
        rows, weights = [], []
        for token in tokens:
            df = float(self.df[token])
            idf = math.log(1 + (self.n_live - df + 0.5) / (df + 0.5))
            for segment in (self.main, self.delta):
                posted, tf = segment.postings(token)
                cached = cache.get(token) if segment is self.main else None
                if cached is None:
                    tf = tf.astype(np.float64)
                    cached = idf * (tf / (tf + norms[posted]))
                    if segment is self.main and len(posted) <= self._CACHE_POSTINGS - cache.size:
                        cache[token] = cached
                        cache.size += len(posted)
                rows.append(posted)
                weights.append(cached)
        # one pass; each row's terms are added in query order, wherever the row lives
        scores = np.bincount(np.concatenate(rows), weights=np.concatenate(weights), minlength=len(self.alive))
        scores[self.__dict__["_dead_cache"]] = 0.0
        return scores

    @property
    def cache_nbytes(self) -> int:
        """The main segment's weights cached for recurring question words."""
        return 8 * self.__dict__.get("_weight_cache", _Weights()).size

    @property
    def nbytes(self) -> int:
        return (self.main.nbytes + self.delta.nbytes + self.doc_len.nbytes + self.alive.nbytes
                + self.df.nbytes)

    def arrays(self) -> dict[str, np.ndarray]:
        """The compacted index as arrays, for the disk cache (vocab saved apart)."""
        assert self.delta_rows == 0 and self.alive.all(), "save a compacted index"
        return {"indptr": self.main.indptr, "rows": self.main.rows, "tfs": self.main.tfs,
                "doc_len": self.doc_len, "df": self.df}

    @classmethod
    def from_arrays(cls, arrays, vocab: dict[str, int]) -> SegmentedBM25:
        doc_len = np.asarray(arrays["doc_len"], dtype=np.float64)
        return cls(
            vocab=vocab, main=Segment(np.asarray(arrays["indptr"], dtype=np.int64),
                                      np.asarray(arrays["rows"], dtype=np.int32),
                                      _tf_array(np.asarray(arrays["tfs"]))),
            delta=Segment.empty(), n_main=len(doc_len), doc_len=doc_len,
            alive=np.ones(len(doc_len), dtype=bool), df=np.asarray(arrays["df"], dtype=np.int64),
            n_live=len(doc_len), total_len=float(doc_len.sum()),
        )
