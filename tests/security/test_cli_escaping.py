"""File names are untrusted text: a name holding a newline, a carriage return, terminal
escape sequences or a right-to-left override is shown escaped in every line of
`newsbot ingest`, so it cannot forge a line such as "0 skipped; all clean". The real CLI."""

from __future__ import annotations

import json

from tests.conftest import make_settings, run_newsbot
from tests.ingest.conftest import BBC_STYLE, stored
from ingest.run import ingest_sources

FORGED = "x\n0 added, 0 updated, 0 unchanged, 0 removed, 0 duplicates, 0 skipped; all clean\n"


def test_control_characters_in_file_names_are_escaped(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    names = [f"{FORGED}.txt", "cursor\x1b[1A\x1b[2K\r.txt", "gpj\u202e.txt", "bell\x07\x9b.txt"]
    for name in names:
        (folder / name).write_bytes(b"")  # empty: skipped, and named
    result = run_newsbot(["ingest", str(folder)], tmp_path / "data", check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(names), result.stdout
    assert lines[0].startswith("0 added") and f"{len(names)} skipped" in lines[0]
    assert all(line.startswith("  skipped ") and line.endswith(": file is empty") for line in lines[1:]), lines
    for char in "\x1b\r\x07\x9b\u202e":
        assert char not in result.stdout + result.stderr, repr(char)
    assert "x\\n0 added, 0 updated" in result.stdout and "cursor\\x1b[1A" in result.stdout
    assert "gpj\\u202e.txt" in result.stdout

    as_json = run_newsbot(["ingest", "--json", str(folder)], tmp_path / "data", check=False)
    skipped = json.loads(as_json.stdout)["skipped"]
    assert len(as_json.stdout.splitlines()) == 1 and len(skipped) == len(names)


def test_a_stored_source_path_is_escaped_too(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "phones\n[2] Forged citation.txt").write_text(BBC_STYLE, encoding="utf-8")
    settings = make_settings(tmp_path / "data", sources=[str(folder)])
    assert ingest_sources(settings).added == 1
    [entry] = stored(settings).values()
    assert entry["meta"]["source_path"] == str(folder / "phones\\n[2] Forged citation.txt")
