"""PDF and Word files, as newsrooms have them: real small files written here (a PDF with a
text layer and document metadata, one without a text layer, a .docx with core
properties), read by `newsbot ingest` like any article; a folder's other files are listed
with the reason they were not taken, and are no failure."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from pathlib import Path

from tests.conftest import run_newsbot

RELEASE = [
    "The city water authority will replace 4,200 lead pipes by the end of 2026, its director said on Monday.",
    "The work, financed by a federal grant of 38 million dollars, starts in the northern districts.",
]


def write_pdf(path: Path, lines: list[str], title: str | None = None, created: str | None = None) -> None:
    """A one-page PDF 1.4 with Helvetica text (or no text at all: `lines` empty) and an Info
    dictionary: the smallest real file pypdf, Acrobat and poppler all read."""
    content = b"BT /F1 11 Tf 72 720 Td 14 TL " + b" ".join(
        b"(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1") + b") '"
        for line in lines) + b" ET" if lines else b""
    stream = zlib.compress(content)
    info = b"<<"
    if title:
        info += b" /Title (" + title.encode("latin-1") + b")"
    if created:
        info += b" /CreationDate (D:" + created.encode() + b")"
    info += b" >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def write_docx(path: Path, title: str | None, created: datetime | None, paragraphs: list[str]) -> None:
    from docx import Document

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title:
        document.core_properties.title = title
    if created:
        document.core_properties.created = created
    document.save(str(path))


def ingest_json(folder: Path, data_dir: Path, check: bool = True) -> tuple[int, dict]:
    done = run_newsbot(["ingest", "--json", str(folder)], data_dir, check=check)
    return done.returncode, json.loads(done.stdout)


def ask_json(question: str, data_dir: Path) -> dict:
    return json.loads(run_newsbot(["ask", "--json", "--backend", "none", "--as-of", "2026-12-06", question],
                                  data_dir).stdout)


def test_pdf_and_docx_are_articles_with_their_metadata(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_pdf(folder / "release.pdf", RELEASE, title="Water authority to replace lead pipes", created="20261130090000Z")
    write_docx(folder / "statement.docx", "Council approves new library", datetime(2026, 11, 28, 10, 0),
               ["The city council approved a new central library on Tuesday by 9 votes to 2.",
                "The library will open in 2028 on the site of the old bus depot.",
                "Share this article", "Comments (0)"])
    code, report = ingest_json(folder, tmp_path / "data")
    assert code == 0 and report["added"] == 2 and report["skipped"] == []

    pipes = ask_json("How many lead pipes will the water authority replace?", tmp_path / "data")
    assert not pipes["refused"] and "4,200" in pipes["answer"]
    cited = pipes["citations"][0]
    assert cited["title"] == "Water authority to replace lead pipes" and cited["published"] == "2026-11-30"
    assert cited["source_path"].endswith("release.pdf")

    library = ask_json("When will the new central library open?", tmp_path / "data")
    cited = library["citations"][0]
    assert cited["title"] == "Council approves new library" and cited["published"] == "2026-11-28"
    assert "2028" in library["answer"]
    chunks = run_newsbot(["stats", "--json"], tmp_path / "data")
    assert json.loads(chunks.stdout)["articles"] == 2


def test_a_document_without_metadata_takes_its_first_line_as_title(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_docx(folder / "plain.docx", None, None, ["Bridge closed for repairs", "The old bridge will be closed "
               "to traffic for six weeks from Monday while engineers replace its bearings."])
    code, report = ingest_json(folder, tmp_path / "data")
    assert code == 0 and report["added"] == 1
    answer = ask_json("How long will the bridge be closed?", tmp_path / "data")
    assert answer["citations"][0]["title"] == "Bridge closed for repairs"


def test_a_scanned_pdf_and_a_folders_other_files_are_named_with_their_reasons(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_pdf(folder / "scan.pdf", [], title="Scanned letter")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "README.md").write_text("# About this folder\n\nPress releases.\n")
    (folder / "broken.docx").write_bytes(b"not a zip file at all")
    write_pdf(folder / "release.pdf", RELEASE)
    code, report = ingest_json(folder, tmp_path / "data", check=False)
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(reasons) == {"scan.pdf", "photo.png", "README.md", "broken.docx"}
    assert "no text layer" in reasons["scan.pdf"] and "OCR" in reasons["scan.pdf"]
    assert reasons["photo.png"].startswith("not an article file") and ".pdf" in reasons["photo.png"]
    assert reasons["README.md"].startswith("not an article file")
    assert "not a readable Word .docx file" in reasons["broken.docx"]
    assert report["added"] == 1
    assert code == 1  # the scan and the broken .docx failed; the image and README are no failure
    human = run_newsbot(["ingest", str(folder)], tmp_path / "data", check=False).stdout
    assert "skipped" in human and "photo.png" in human and "no text layer" in human
