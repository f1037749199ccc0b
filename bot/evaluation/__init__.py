"""`newsbot eval`: retrieval and answer quality on a dataset shaped like
`../shared/eval/realtimeqa-dev/` (articles.jsonl + questions.jsonl)."""
