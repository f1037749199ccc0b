"""The local backend reuses the system message's tokens, and only in a way that keeps the
numerics of a prompt the same whatever came before it: the same question must get the same
reply in the bot and in `newsbot ask`. Real llama.cpp, real SmolLM2; token log-probabilities
are compared exactly, so a reused prefix computed differently would show."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_MODEL, make_settings, models_dir

pytestmark = pytest.mark.llm
ROOT = Path(__file__).resolve().parents[2]

SYSTEM = {"role": "system", "content": "You are a news assistant. Answer in one sentence, then [1]."}
DIGEST = {"role": "system", "content": "You write a news digest. Write one sentence."}
SOURCE = ("Sources:\n\nSource [1]: Council votes (published 2024-03-01)\nThe city council voted 7 to 2 to "
          "fund the Harbor Bridge repairs with $3.4 million. Work starts in March.\n--- end of source [1] ---\n\n")
ASK = [SYSTEM, {"role": "user", "content": SOURCE + "Question: How much money did the council approve?"}]
OTHER = [SYSTEM, {"role": "user", "content": SOURCE + "Question: How much money did the council vote for?"}]
SUMMARY = [DIGEST, {"role": "user", "content": SOURCE}]


class Recording:
    """Stands in for the llama.cpp server object: asks for log-probabilities on the
    answering requests (not the one-token ones that hold the system message) and keeps
    each reply's log-probabilities and prompt timings."""

    def __init__(self, server):
        self.server, self.replies = server, []

    def handle_chat_completions(self, request, *callback):
        if request["max_tokens"] > 1:
            request = {**request, "logprobs": True, "top_logprobs": 1}
        reply = self.server.handle_chat_completions(request, *callback)
        if request["max_tokens"] > 1:
            self.replies.append(reply)
        return reply


def probe(llm, messages) -> dict:
    """`llm.chat(messages)` as the bot calls it; the reply's token log-probabilities, and
    how many prompt tokens were read and how many reused."""
    slot = llm._server()
    if not isinstance(slot.server, Recording):
        slot.server = Recording(slot.server)
    llm.chat(messages, 6)
    reply = slot.server.replies[-1]
    timings = reply.get("timings") or {}
    return {"logprobs": [[t["token"], t["logprob"]] for t in reply["choices"][0]["logprobs"]["content"]],
            "evaluated": timings.get("prompt_n"), "cached": timings.get("cache_n")}


PROBE = """
import json, sys
from pathlib import Path
from bot.llm.local import LocalLLM
from index.settings import Settings
from tests.bot.test_local_prefix import probe
llm = LocalLLM(Settings(_env_file=None, llm="local", llm_model=sys.argv[1], models_dir=Path(sys.argv[2]),
                        llm_threads=1))
print(json.dumps(probe(llm, json.loads(sys.argv[3]))))
"""


@pytest.fixture
def llm(tmp_path, test_model):
    """SmolLM2 on the process's shared slot, its server recorded during the test only."""
    from bot.llm.local import LocalLLM

    llm = LocalLLM(make_settings(tmp_path, llm="local", llm_model=TEST_MODEL, llm_threads=1))
    slot = llm._server()
    real = slot.server
    slot.server = Recording(real)
    yield llm
    slot.server = real


def test_a_prompt_reads_the_same_fresh_and_after_others(llm):
    first = probe(llm, ASK)
    assert first["cached"] and first["evaluated"]  # the system message was read before, on its own
    probe(llm, OTHER)  # the slot now holds a prompt sharing all but the question's last words
    assert probe(llm, ASK) == first
    probe(llm, SUMMARY)
    assert probe(llm, ASK) == first
    # and in a process that never asked anything else
    fresh = subprocess.run([sys.executable, "-c", PROBE, TEST_MODEL, str(models_dir()), json.dumps(ASK)],
                           capture_output=True, text=True, timeout=300, check=True, cwd=ROOT)
    assert json.loads(fresh.stdout.splitlines()[-1]) == first
