"""A symbolic link inside an ingested folder that resolves outside it (`passwd.txt ->
/etc/passwd`) is skipped with that reason, never indexed and quoted in answers; a link
to a file inside the folder is fine, and link loops are skipped without hanging."""

from __future__ import annotations

import os

from tests.conftest import make_settings
from tests.ingest.conftest import BBC_STYLE, stored
from ingest.run import ingest_sources

SECRET = """Staff salaries and home addresses

The finance director earns 212,000 a year and lives at 14 Orchard Lane, the payroll file says.

Every employee's bank account number is listed on the second page of this file.
"""


def test_links_out_of_the_folder_are_skipped(tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "payroll.txt").write_text(SECRET, encoding="utf-8")
    (outside / "more").mkdir()
    (outside / "more" / "notes.txt").write_text(SECRET.replace("Staff", "More staff"), encoding="utf-8")

    folder = tmp_path / "drop"
    (folder / "tech").mkdir(parents=True)
    (folder / "tech" / "001.txt").write_text(BBC_STYLE, encoding="utf-8")
    os.symlink(outside / "payroll.txt", folder / "payroll.txt")
    os.symlink("../../private/payroll.txt", folder / "tech" / "relative.txt")
    os.symlink("/etc/passwd", folder / "passwd.txt")
    os.symlink(outside / "more", folder / "more.txt")                   # a folder, named like a file
    os.symlink(folder / "tech" / "001.txt", folder / "alias.txt")       # inside: fine
    os.symlink(folder / "loop-b.txt", folder / "loop-a.txt")            # a loop
    os.symlink(folder / "loop-a.txt", folder / "loop-b.txt")
    os.symlink(folder, folder / "tech" / "back")                        # a folder loop

    settings = make_settings(tmp_path / "data", sources=[str(folder)])
    report = ingest_sources(settings)

    reasons = {os.path.relpath(s["path"], folder): s["reason"] for s in report.skipped}
    for name in ("payroll.txt", "tech/relative.txt", "passwd.txt", "more.txt"):
        assert "outside" in reasons.get(name, ""), (name, reasons)
    titles = {e["meta"]["title"] for e in stored(settings).values()}
    assert titles == {"Mobile phone sales hit record level"}, titles
    texts = " ".join(t for e in stored(settings).values() for _, t in e["chunks"])
    assert "Orchard Lane" not in texts and "root:" not in texts
    assert report.added == 1
