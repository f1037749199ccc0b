"""A cold `newsbot ask` loads only what answering needs: not llama-index (its import was
seconds of the start-up; ingest needs it, a question does not), not scipy (through the
bm25s package) and not torch. A real process on the seed index, its imports read from
Python's `-X importtime`."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO, newsbot_env

HEAVY = ("llama_index.core", "scipy", "bm25s", "torch", "sentence_transformers")


def test_ask_imports_no_heavy_module(seeded_dir):
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", "ask", "--backend", "none", "--json",
         "What did the council decide?"],
        cwd=REPO, env=newsbot_env(seeded_dir), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "answer" in json.loads(done.stdout)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "chromadb" in imported and "onnxruntime" in imported  # the measurement saw the real imports
    loaded = sorted(m for m in imported if m.split(".")[0] in {h.split(".")[0] for h in HEAVY}
                    and any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not loaded, loaded
