"""The ONNX vectors do not depend on the machine: no integer sum a CPU's kernel could clip,
no dependence on the batch a text is run in, the same vectors (within rounding) when the
CPU reports AVX2 only, and the torch vectors within the stated tolerance."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO, SHARED, models_dir
from tests.index.test_onnx_embedding import SENTENCES

# Stated tolerances (docs/benchmarks.md, "Portable vectors"): cosine to the torch vectors,
# and between two CPUs whose ONNX Runtime kernels differ.
TO_TORCH = 0.985
BETWEEN_HOSTS = 0.998

ONE_WORD = ["Weather", "Breaking", "Rotterdam", "Comments", "AI", "2025", "Ukraine", "inflation"]


def news_chunks(n: int = 12) -> list[str]:
    """Long real news texts (title + ~180 words), as ingest embeds them."""
    files = sorted((SHARED / "corpora" / "bbc").glob("*/*.txt"))[::180][:n]
    if not files:
        pytest.skip(f"needs the BBC corpus under {SHARED / 'corpora' / 'bbc'}")
    out = []
    for path in files:
        title, *body = path.read_text(encoding="utf-8", errors="replace").split("\n")
        out.append(f"{title}\n\n{' '.join(' '.join(body).split()[:180])}")
    return out


@pytest.fixture(scope="module")
def onnx_dir():
    from index.onnx_export import ensure_exported

    return ensure_exported(models_dir())


@pytest.fixture(scope="module")
def encoder(onnx_dir):
    from index.onnx_encoder import OnnxEncoder

    return OnnxEncoder(onnx_dir)


def test_no_weight_pair_can_overflow_a_16_bit_sum(onnx_dir):
    """AVX2 adds two u8×s8 products in a saturating 16-bit sum, VNNI and AMX in 32 bits:
    the integer sums agree on every CPU only if no pair can pass 32767."""
    from index.onnx_export import INFO_FILE, MODEL_FILE, largest_pair_sum

    largest = largest_pair_sum(onnx_dir / MODEL_FILE)
    assert 0 < largest <= 32767, largest
    info = json.loads((onnx_dir / INFO_FILE).read_text())
    assert info["largest_pair_sum"] == largest
    assert set(info["exported_on"]) >= {"onnxruntime", "cpu", "cpu_features", "recipe"}


def test_a_text_gets_one_vector_whatever_it_is_run_with(encoder):
    """The int8 activations are scaled per run: a text must never share a run with others
    (or their padding), or its vector would depend on them."""
    texts = [*news_chunks(4), *SENTENCES[:6], *ONE_WORD[:3]]
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    together = encoder.encode(texts, batch_size=64)
    shuffled = encoder.encode(texts[::-1], batch_size=3)[::-1]
    assert np.array_equal(alone, together) and np.array_equal(alone, shuffled)


def test_onnx_vectors_are_the_torch_vectors_within_the_stated_tolerance(encoder):
    from index.embedding import sentence_model

    texts = [*news_chunks(), *SENTENCES, *ONE_WORD]
    reference = sentence_model("torch").encode(texts, normalize_embeddings=True)
    cosines = (encoder.encode(texts) * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= TO_TORCH, (round(float(cosines.min()), 4), texts[worst][:60])


VECTORS = """
import json, sys
import numpy as np
from index.onnx_encoder import OnnxEncoder
texts = json.loads(sys.stdin.read())
np.save(sys.argv[2], OnnxEncoder(sys.argv[1], threads=1).encode(texts))
"""


def test_vectors_agree_with_those_of_an_avx2_only_cpu(tmp_path, onnx_dir):
    """The same model and ONNX Runtime on a CPU without AVX-512 or VNNI: user-mode QEMU
    emulating a Haswell (AVX2) makes ORT pick its AVX2 kernels, the ones whose 16-bit
    sums broke the old recipe. .ci/run installs qemu-user."""
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        pytest.skip("qemu-user is not installed (`apt-get install qemu-user`; .ci/run installs it)")
    texts = [*news_chunks(3), "Weather", "Who won the election?", SENTENCES[10]]
    vectors = {}
    for host, prefix in {"here": [], "avx2": [qemu, "-cpu", "Haswell"]}.items():
        out = tmp_path / f"{host}.npy"
        subprocess.run([*prefix, sys.executable, "-c", VECTORS, str(onnx_dir), str(out)], input=json.dumps(texts),
                       cwd=REPO, check=True, capture_output=True, text=True, timeout=600)
        vectors[host] = np.load(out)
    cosines = (vectors["here"] * vectors["avx2"]).sum(axis=1)
    assert cosines.min() >= BETWEEN_HOSTS, cosines.round(6).tolist()


def test_the_emulated_cpu_really_lacks_avx512(tmp_path):
    """What makes the test above meaningful: under the emulation the CPU reports AVX2 and
    no AVX-512, so ORT cannot pick the kernels it picks on this host."""
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        pytest.skip("qemu-user is not installed (`apt-get install qemu-user`; .ci/run installs it)")
    probe = ("import json, numpy as np; f = np._core._multiarray_umath.__cpu_features__; "
             "print(json.dumps({k: f[k] for k in ('AVX2', 'AVX512F', 'AVX512_ICL')}))")
    got = subprocess.run([qemu, "-cpu", "Haswell", sys.executable, "-c", probe], check=True,
                         capture_output=True, text=True, timeout=120)
    assert json.loads(got.stdout) == {"AVX2": True, "AVX512F": False, "AVX512_ICL": False}


def test_stats_record_the_runtime_that_embedded(tmp_path):
    from tests.conftest import SEEDS, run_newsbot

    run_newsbot(["ingest", str(SEEDS)], tmp_path, NEWSBOT_EMBED_BACKEND="onnx")
    facts = json.loads(run_newsbot(["stats", "--json"], tmp_path, NEWSBOT_EMBED_BACKEND="onnx").stdout)
    runtime = facts["embedding_runtime"]
    assert runtime["embedding_model"] == facts["embedding_model"]
    assert runtime["recipe"] in facts["embedding_model"] and runtime["onnxruntime"] and runtime["cpu"]
    assert isinstance(runtime["cpu_features"], list)
    text = run_newsbot(["stats"], tmp_path, NEWSBOT_EMBED_BACKEND="onnx").stdout
    assert f"onnxruntime {runtime['onnxruntime']}" in text


def test_cpu_facts_are_read_from_the_os():
    from index.cpu import CPUINFO, KERNEL_FLAGS, cpu_features, cpu_model

    if not CPUINFO.exists():
        pytest.skip("no /proc/cpuinfo (not Linux)")
    first = CPUINFO.read_text().split("\n\n", 1)[0]
    flags = next(line for line in first.splitlines() if line.startswith("flags")).split(":", 1)[1].split()
    assert cpu_features() == [f for f in KERNEL_FLAGS if f in flags]
    assert cpu_model() and cpu_model() in first
