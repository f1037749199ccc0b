"""chromadb is imported without `overrides`' import-time signature checks (index/
chroma_import.py), and what chromadb relies on at run time, the `__override__` marks that
its `EnforceOverrides` classes read, is kept. A fresh interpreter, as a CLI process is."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import index, chromadb, overrides
from chromadb.api.rust import RustBindingsAPI
from index.chroma_import import unchecked_override
assert overrides.override is unchecked_override, overrides.override
assert RustBindingsAPI._count.__override__ is True
client = chromadb.EphemeralClient()
collection = client.create_collection("probe", embedding_function=None)
collection.add(ids=["a"], embeddings=[[0.0, 1.0]])
print(collection.count())
"""


def test_chromadb_imported_through_index_skips_the_checks_and_still_works():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1"


def test_chromadb_imported_first_keeps_its_checks():
    probe = "import chromadb, index, overrides\nprint(overrides.override.__module__)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "overrides.overrides"
