"""Answers questions: retrieve, prompt an LLM with numbered sources, check the citations;
served through the `newsbot` CLI and the Slack app."""

from index import offline as _offline  # noqa: F401
