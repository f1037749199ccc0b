"""Reads article files, cleans page clutter, chunks, embeds and writes to the index."""

from index import offline as _offline  # noqa: F401
