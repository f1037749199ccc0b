"""Do the ONNX vectors depend on the CPU? The shipped recipe (7-bit weights, each text run
alone) against the previous one (8-bit weights) and plain float32, on one machine:

    python bench/onnx_portability.py [--texts 26] [--no-qemu]

For each model it prints
* **between hosts**: cosine between the vectors this CPU computes and those the same
  ONNX Runtime computes when the CPU reports AVX2 only (`qemu-x86_64 -cpu Haswell`, Debian's
  qemu-user: ORT then picks its AVX2 kernels, whose u8×s8 pair sums saturate at 16 bits);
  min, mean, and how many vectors are bit-identical;
* the largest u8×s8 pair sum the weights allow (> 32767: a 16-bit kernel clips it);
* cosine to the torch vectors (sentence-transformers), min and mean;
* **batch vs alone**: cosine between a text run in a padded batch of 64 and run alone
  (the int8 activation scale is taken over the whole batch);
* speed: encode time of the long texts alone and in length-sorted batches of 64 (how
  the previous encoder ran them), and torch's time over each, in the same run.

Texts: BBC article chunks (title + ~180 words) and short phrases and one-word texts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BBC = ROOT.parent / "shared" / "corpora" / "bbc"
SHORT = ["Weather", "Breaking news", "Comments (0)", "Who won the election?", "Rotterdam port strike",
         "Fentanyl 🚨 seizures at the border rose 30% — officials say.", "Created: JANUARY 24, 2025",
         "How much money in waivers have Mexican programs received?", "Le gouvernement a annoncé une réforme.",
         "The striker scored twice as the home side won 3-1."]


def texts(n_long: int) -> list[str]:
    files = sorted(BBC.glob("*/*.txt"))[:: max(1, 2225 // max(n_long, 1))][:n_long]
    out = []
    for path in files:
        title, *body = path.read_text(encoding="utf-8", errors="replace").split("\n")
        words = " ".join(line for line in body if line.strip()).split()
        out.append(f"{title}\n\n{' '.join(words[:180])}")
    return out


def vectors(model_dir: str, text_file: str, out: str) -> None:
    """Child mode (also run under qemu): each text alone through the model."""
    from index.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder(model_dir, threads=1)
    np.save(out, encoder.encode(json.loads(Path(text_file).read_text())))


def build_models(work: Path) -> dict[str, Path]:
    """The three recipes side by side, each a folder OnnxEncoder loads."""
    from index.embedding import model_path
    from index.onnx_export import MODEL_FILE, TOKENIZER_FILE, export_float, quantize

    traced = export_float(work)
    recipes = {
        "int8-r2 (7-bit weights, shipped)": lambda out: quantize(traced.path, out, traced.keep_float, reduce_range=True),
        "int8-r1 (8-bit weights, before)": lambda out: quantize(traced.path, out, traced.keep_float, reduce_range=False),
        "float32": lambda out: shutil.copyfile(traced.path, out),
    }
    dirs = {}
    for name, make in recipes.items():
        folder = work / name.split()[0]
        folder.mkdir()
        make(folder / MODEL_FILE)
        shutil.copyfile(Path(model_path()) / TOKENIZER_FILE, folder / TOKENIZER_FILE)
        dirs[name] = folder
    return dirs


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def batched(encoder, items: list[str], size: int = 64) -> np.ndarray:
    """Texts run 64 at a time, padded, as the encoder did before running each alone."""
    encodings = encoder.tokenizer.encode_batch(items)
    out = np.zeros((len(items), 384), dtype=np.float32)
    for start in range(0, len(items), size):
        rows = encodings[start : start + size]
        width = max(len(e.ids) for e in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        for r, e in enumerate(rows):
            ids[r, : len(e.ids)] = e.ids
        mask = (ids != 0).astype(np.int64)
        hidden = encoder.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        v = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        out[start : start + len(rows)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=16, help="long BBC texts (short ones are added)")
    parser.add_argument("--speed-texts", type=int, default=300)
    parser.add_argument("--no-qemu", action="store_true")
    parser.add_argument("--vectors", nargs=3, metavar=("MODEL_DIR", "TEXTS_JSON", "OUT_NPY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.vectors:
        return vectors(*args.vectors)

    from index.cpu import cpu_features, cpu_model
    from index.embedding import sentence_model
    from index.onnx_encoder import OnnxEncoder
    from index.onnx_export import MODEL_FILE, largest_pair_sum

    qemu = None if args.no_qemu else shutil.which("qemu-x86_64")
    print(f"host: {cpu_model()} ({' '.join(cpu_features())}); other host: "
          f"{'qemu-x86_64 -cpu Haswell (AVX2, FMA; no AVX-512, no VNNI)' if qemu else 'none (no qemu-user)'}")
    sample = texts(args.texts) + SHORT
    long_texts = texts(args.speed_texts)
    torch_model = sentence_model("torch")
    reference = torch_model.encode(sample, normalize_embeddings=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text_file = work / "texts.json"
        text_file.write_text(json.dumps(sample))
        models = build_models(work)
        started = time.perf_counter()
        torch_model.encode(long_texts, batch_size=64, normalize_embeddings=True)
        torch_seconds = time.perf_counter() - started
        print(f"torch: {len(long_texts)} texts in {torch_seconds:.1f} s")
        for name, folder in models.items():
            here, there = work / "here.npy", work / "there.npy"
            me = [sys.executable, __file__, "--vectors", str(folder), str(text_file)]
            subprocess.run([*me, str(here)], check=True)
            line = [f"\n{name}", f"  largest pair sum {largest_pair_sum(folder / MODEL_FILE)} (16-bit limit 32767)"]
            a = np.load(here)
            if qemu:
                subprocess.run(["qemu-x86_64", "-cpu", "Haswell", *me, str(there)], check=True, stderr=subprocess.DEVNULL)
                b = np.load(there)
                c = cosines(a, b)
                line.append(f"  between hosts: cosine min {c.min():.7f} mean {c.mean():.7f}; "
                            f"bit-identical {int((a == b).all(axis=1).sum())}/{len(a)}; max |diff| {np.abs(a - b).max():.2g}")
            c = cosines(a, reference)
            line.append(f"  to torch: cosine min {c.min():.4f} mean {c.mean():.4f}")
            encoder = OnnxEncoder(folder)
            c = cosines(encoder.encode(sample), batched(encoder, sample))
            line.append(f"  batch of 64 vs alone: cosine min {c.min():.5f}")
            started = time.perf_counter()
            encoder.encode(long_texts)
            alone = time.perf_counter() - started
            started = time.perf_counter()
            batched(encoder, sorted(long_texts, key=len))  # sorted by length, as the old encoder did
            batch = time.perf_counter() - started
            line.append(f"  speed: each text alone {alone:.1f} s ({torch_seconds / alone:.2f}x torch), "
                        f"in batches of 64 {batch:.1f} s ({torch_seconds / batch:.2f}x torch)")
            print("\n".join(line), flush=True)


if __name__ == "__main__":
    main()
