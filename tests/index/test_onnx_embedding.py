"""The ONNX Runtime embedding backend (NEWSBOT_EMBED_BACKEND=onnx) against the torch one:
same vectors within int8 error, same tokens, no torch in an onnx process, and no collection
that mixes the two."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, SEEDS, make_settings, models_dir, newsbot_env, run_newsbot

SENTENCES = [
    "The central bank raised interest rates by half a percentage point on Tuesday.",
    "Inflation in the euro area slowed to 2.4% in November, the lowest in two years.",
    "Shares of the carmaker fell 8% after it cut its delivery forecast.",
    "Oil prices climbed above $90 a barrel as producers extended output cuts.",
    "The merger would create the fifth-largest airline in the United States.",
    "Unemployment claims rose unexpectedly last week.",
    "The prime minister resigned after losing a confidence vote in parliament.",
    "Voters in the state will decide on the ballot measure in November.",
    "The Senate passed the defence bill by 86 votes to 11.",
    "Protesters gathered outside the embassy for a third night.",
    "Secretary of State Marco Rubio granted waivers to keep border programs in Mexico running.",
    "The ceasefire collapsed within hours as shelling resumed near the border.",
    "A magnitude 6.8 earthquake struck off the coast early on Sunday.",
    "Firefighters rescued several puppies trapped in a burning barn.",
    "Heavy rain caused flooding across the north of the country.",
    "Scientists discovered a new species of frog in the rainforest.",
    "The wildfire has burned more than 40,000 acres and is 20% contained.",
    "Astronomers detected water vapour in the atmosphere of a distant planet.",
    "Researchers say the vaccine was 94% effective in the trial.",
    "The hospital reported a sharp rise in flu admissions this winter.",
    "Doctors warned that the heatwave poses a risk to elderly people.",
    "The striker scored twice as the home side won 3-1.",
    "She won her third Wimbledon title in straight sets.",
    "The coach was sacked after a run of seven defeats.",
    "The Olympic marathon will start at 7 a.m. to avoid the heat.",
    "The company unveiled a smartphone with a foldable screen.",
    "Hackers stole the personal data of 2 million customers.",
    "The chipmaker will build a $20bn factory in Ohio.",
    "Regulators fined the social network for breaking privacy rules.",
    "The film topped the box office in its opening weekend.",
    "The singer announced a world tour starting in March.",
    "The museum returned the looted bronzes to Nigeria.",
    "The novel won the Booker Prize on Tuesday night.",
    "Police arrested two men in connection with the robbery.",
    "The jury found the former executive guilty of fraud.",
    "The Supreme Court agreed to hear the case next term.",
    "Who won the election?",
    "What did the minister say about taxes?",
    "How many people were killed in the earthquake?",
    "When will the new stadium open?",
    "Weather",
    "Breaking news",
    "Comments (0)",
    "Created: JANUARY 24, 2025",
    "Le gouvernement français a annoncé une réforme des retraites.",
    "Die Regierung plant neue Steuern für Großunternehmen.",
    "El presidente visitó la frontera con México el lunes.",
    "東京で新しい美術館が開館した。",
    "Fentanyl 🚨 seizures at the border rose 30% — officials say.",
    "The budget, which had been debated for months by lawmakers who disagreed about school "
    "funding, road repairs, police salaries and the future of the city's public transport "
    "network, was finally approved late on Friday evening by a narrow margin of 26 to 24.",
]

QUERIES = {
    "Did anyone help young dogs escape a fire?": "Firefighters rescued several puppies trapped in a burning barn.",
    "Which central bank raised rates?": "The central bank raised interest rates by half a percentage point on Tuesday.",
    "Was customer information leaked?": "Hackers stole the personal data of 2 million customers.",
    "Which book received a literary award?": "The novel won the Booker Prize on Tuesday night.",
    "Was anyone convicted of fraud?": "The jury found the former executive guilty of fraud.",
    "French pension reform": "Le gouvernement français a annoncé une réforme des retraites.",
}


@pytest.fixture(scope="module")
def onnx_dir():
    """The exported model (`make test` exports it first; exported here if missing)."""
    from index.onnx_export import ensure_exported

    return ensure_exported(models_dir())


@pytest.fixture(scope="module")
def onnx_model(onnx_dir):
    from index.embedding import max_seq_length
    from index.onnx_embedding import OnnxEmbedding, OnnxEncoder

    return OnnxEmbedding(OnnxEncoder(onnx_dir, max_seq_length()), model_name="test")


@pytest.fixture(scope="module")
def torch_model():
    from index.embedding import sentence_model

    return sentence_model("torch")


def test_onnx_vectors_match_torch(onnx_model, torch_model):
    ref = torch_model.encode(SENTENCES, batch_size=64, normalize_embeddings=True)
    got = np.asarray(onnx_model.get_text_embedding_batch(SENTENCES))
    assert got.shape == ref.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosines = (got * ref).sum(axis=1)
    assert cosines.min() >= 0.98, [(round(float(c), 4), s) for c, s in zip(cosines, SENTENCES) if c < 0.98]
    # one text at a time (as queries are embedded) agrees too
    single = np.asarray([onnx_model.get_query_embedding(s) for s in SENTENCES[:10]])
    assert (single * ref[:10]).sum(axis=1).min() >= 0.98


def test_onnx_keeps_input_order_and_nearest_neighbours(onnx_model, torch_model):
    ref = torch_model.encode(SENTENCES, normalize_embeddings=True)
    got = np.asarray(onnx_model.get_text_embedding_batch(SENTENCES))
    for question, expected in QUERIES.items():
        q_torch = torch_model.encode([question], normalize_embeddings=True)[0]
        q_onnx = np.asarray(onnx_model.get_query_embedding(question))
        assert SENTENCES[int(np.argmax(got @ q_onnx))] == SENTENCES[int(np.argmax(ref @ q_torch))] == expected


def test_onnx_truncates_like_sentence_transformers(onnx_model, torch_model):
    long_text = " ".join(SENTENCES * 3)  # far beyond 256 wordpieces
    ids = onnx_model.encoder.tokenizer.encode(long_text).ids
    expected = torch_model.tokenize([long_text])["input_ids"][0].tolist()
    assert len(ids) == 256 and ids == expected
    short = onnx_model.encoder.tokenizer.encode("Who won the election?").ids
    assert short == torch_model.tokenize(["Who won the election?"])["input_ids"][0].tolist()


def test_count_tokens_equals_hf_tokenizer(torch_model):
    from index.embedding import count_tokens, max_seq_length

    texts = [*SENTENCES, " ".join(SENTENCES * 4), "", "  spaced\tout\n\nlines  ", "naïve café — “quotes”"]
    for text in texts:
        assert count_tokens(text) == torch_model.tokenizer.encode(text, add_special_tokens=False), text
    assert max_seq_length() == torch_model.max_seq_length == 256


NO_TORCH_SCRIPT = """
import json, sys
from index.settings import get_settings
from index.embedding import encode, get_embed_model, count_tokens, max_seq_length
from ingest.run import ingest_sources
from index.retrieval import retrieve
from index.store import open_store
import bot.answer, bot.citations, bot.support, bot.extractive, ingest.chunking
from bot.answer import AnswerEngine

settings = get_settings()
assert settings.embed_backend == "onnx"
report = ingest_sources(settings, [sys.argv[1]])
query = get_embed_model().get_query_embedding("Mexico border waivers")
vectors = encode(["Rubio granted waivers.", "The weather was fine."])
question = "How much money in waivers have Mexican programs received?"
hits = retrieve(open_store(settings), question, 3)
result = AnswerEngine(settings, backend="none").answer(question)
heavy = ("torch", "sentence_transformers", "transformers", "llama_index.embeddings.huggingface")
print(json.dumps({
    "loaded": [m for m in heavy if m in sys.modules],
    "chunks": report.chunks_embedded, "query_dims": len(query), "vectors": list(vectors.shape),
    "hits": len(hits), "refused": result.refused, "max_seq_length": max_seq_length(),
    "tokens": len(count_tokens(question)),
}))
"""


def test_onnx_process_never_imports_torch(tmp_path, onnx_dir):
    env = newsbot_env(tmp_path, NEWSBOT_EMBED_BACKEND="onnx", NEWSBOT_LLM="none")
    result = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT, str(SEEDS)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["loaded"] == []
    assert facts["chunks"] > 0 and facts["hits"] > 0 and not facts["refused"]
    assert facts["query_dims"] == 384 and facts["vectors"] == [2, 384]
    assert facts["max_seq_length"] == 256 and facts["tokens"] > 5


def test_collection_refuses_other_backend_and_names_the_reembed_command(tmp_path, onnx_dir):
    from index.store import StoreError, open_store

    data_dir = tmp_path / "data"
    torch_store = open_store(make_settings(data_dir, embed_backend="torch"))
    assert torch_store.collection.metadata["embedding_model"].endswith("@torch")  # created, empty
    with pytest.raises(StoreError) as caught:
        open_store(make_settings(data_dir, embed_backend="onnx")).collection
    message = str(caught.value)
    assert "@torch" in message and "@onnx" in message
    assert "newsbot reembed" in message and "NEWSBOT_EMBED_BACKEND=torch" in message
    # the store was not touched: torch still opens it
    assert open_store(make_settings(data_dir, embed_backend="torch")).count() == 0

    # the CLI says the same in one line, exit status 2, before embedding anything: `stats`
    # and `check` (which is where a user looks) both name the command
    run_newsbot(["ingest", str(SEEDS)], data_dir, NEWSBOT_EMBED_BACKEND="torch")
    for command in (["stats"], ["check"]):
        refused = run_newsbot(command, data_dir, check=False, NEWSBOT_EMBED_BACKEND="onnx")
        assert refused.returncode == 2, refused.stderr
        assert "newsbot reembed" in refused.stderr and "@torch" in refused.stderr

    # and the command it names re-embeds the store in place: onnx opens it, torch no longer
    command = re.search(r"`([^`]*newsbot reembed[^`]*)`", " ".join(refused.stderr.split())).group(1)
    assert shlex.split(command) == ["newsbot", "reembed"]
    run_newsbot(["reembed"], data_dir, NEWSBOT_EMBED_BACKEND="onnx")
    facts = json.loads(run_newsbot(["stats", "--json"], data_dir, NEWSBOT_EMBED_BACKEND="onnx").stdout)
    assert facts["chunks"] > 0 and "@onnx" in facts["embedding_model"]
    assert facts["embedding_runtime"]["recipe"] == facts["embedding_model"].rpartition("onnx-")[2]
    assert run_newsbot(["stats"], data_dir, check=False, NEWSBOT_EMBED_BACKEND="torch").returncode == 2


def test_saved_optimized_graph_gives_the_same_vectors(tmp_path, onnx_dir):
    """The graph optimized once and saved beside the export (a faster start-up) gives
    bit-identical vectors to optimizing the export in memory, as every earlier process
    did: the stored chunk vectors and new query vectors stay comparable. A damaged saved
    graph is rebuilt, not fatal."""
    import shutil

    import onnxruntime as ort

    from index.onnx_encoder import OnnxEncoder
    from index.onnx_export import MODEL_FILE, TOKENIZER_FILE

    model_dir = tmp_path / "export"
    model_dir.mkdir()
    for name in (MODEL_FILE, TOKENIZER_FILE):
        shutil.copyfile(Path(onnx_dir) / name, model_dir / name)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    in_memory = OnnxEncoder(model_dir)
    in_memory.session = ort.InferenceSession(str(model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"])
    reference = in_memory.encode(SENTENCES)

    first = OnnxEncoder(model_dir)  # saved it already (the encoder above did); reads it
    saved = sorted(p.name for p in model_dir.glob("model.optimized-*.onnx"))
    assert saved == [f"model.optimized-ort{ort.__version__}.onnx"]
    assert not list(model_dir.glob("*.tmp"))
    assert first.session._model_path.endswith(saved[0])  # read from the saved graph
    assert np.array_equal(first.encode(SENTENCES), reference)

    (model_dir / saved[0]).write_bytes(b"not an onnx graph")
    rebuilt = OnnxEncoder(model_dir)
    assert np.array_equal(rebuilt.encode(SENTENCES), reference)
    assert (model_dir / saved[0]).stat().st_size > 1000  # saved again, whole
