"""Each LLM backend's request/response and error path, against real local servers:
`openai` against llama.cpp's own OpenAI-compatible server (xllamacpp on loopback),
`ollama` against a small local server speaking Ollama's /api/chat protocol."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.answer import AnswerEngine
from bot.llm import LLMError, get_llm
from index.settings import Settings
from tests.conftest import make_settings

WAIVERS = "How much money in waivers have Mexican programs received?"
REPLY = "Mexican programs have received $5.2 million in waivers [1]."


class _OllamaHandler(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        if self.path != "/api/chat":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        base = {"model": body["model"], "created_at": "2025-01-24T00:00:00Z"}
        if body.get("stream"):
            for word in REPLY.split(" "):
                piece = {**base, "message": {"role": "assistant", "content": word + " "}, "done": False}
                self.wfile.write((json.dumps(piece) + "\n").encode())
            end = {**base, "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}
            self.wfile.write((json.dumps(end) + "\n").encode())
        else:
            reply = {**base, "message": {"role": "assistant", "content": REPLY}, "done": True, "done_reason": "stop"}
            self.wfile.write(json.dumps(reply).encode())


@pytest.fixture
def ollama_server():
    _OllamaHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OllamaHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _OllamaHandler.requests
    server.shutdown()


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _settings(seeded_dir, **kw) -> Settings:
    return make_settings(seeded_dir, **kw)


def test_ollama_backend_request_and_answer(seeded_dir, ollama_server):
    url, requests = ollama_server
    engine = AnswerEngine(_settings(seeded_dir, llm="ollama", llm_base_url=url, llm_model="qwen2.5:1.5b"))
    result = engine.answer(WAIVERS)
    assert result.error is None and not result.refused
    assert "$5.2 million" in result.answer and result.citations[0].title.startswith("Rubio")
    sent = requests[-1]["body"]
    assert requests[-1]["path"] == "/api/chat" and sent["model"] == "qwen2.5:1.5b"
    assert sent["messages"][0]["role"] == "system" and "Source [1]" in sent["messages"][1]["content"]


def test_ollama_backend_streams_tokens(seeded_dir, ollama_server):
    url, _ = ollama_server
    engine = AnswerEngine(_settings(seeded_dir, llm="ollama", llm_base_url=url, llm_model="m"))
    pieces: list[str] = []
    result = engine.answer(WAIVERS, on_token=pieces.append)
    assert len(pieces) > 3 and "".join(pieces).strip() == REPLY
    assert "$5.2 million" in result.answer


@pytest.mark.parametrize("backend", ["ollama", "openai"])
def test_unreachable_server_gives_one_clear_error_and_the_extractive_answer(seeded_dir, backend):
    url = _closed_port_url()
    engine = AnswerEngine(_settings(seeded_dir, llm=backend, llm_base_url=url, llm_model="m", answer_timeout=5))
    result = engine.answer(WAIVERS)
    assert result.error and f"{backend} backend at {url} failed" in result.error
    assert "$5.2 million" in result.answer and result.citations


def test_openai_backend_needs_a_base_url(seeded_dir):
    with pytest.raises(LLMError, match="NEWSBOT_LLM_BASE_URL"):
        get_llm(_settings(seeded_dir, llm="openai"))


@pytest.mark.llm
def test_openai_backend_against_llama_cpp_server(seeded_dir, test_model):
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(test_model)
    params.n_ctx = 4096
    params.verbosity = -1
    params.port = 0
    server = xllamacpp.Server(params)  # llama.cpp's HTTP server, on loopback
    base = server.listening_address.rstrip("/") + "/v1"
    assert base.startswith("http://127.0.0.1:")
    engine = AnswerEngine(_settings(seeded_dir, llm="openai", llm_base_url=base, llm_model="smollm2"))
    result = engine.answer(WAIVERS)
    assert result.error is None  # the server answered; the 135M model's text is checked as any other
    read = result.related if result.refused else result.citations
    assert read[0].title.startswith("Rubio")
    pieces: list[str] = []
    streamed = engine.answer(WAIVERS, on_token=pieces.append)
    assert pieces and streamed.error is None
