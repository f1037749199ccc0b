"""What `newsbot reembed` costs: BBC articles ingested with the torch runtime, then
re-embedded in place with the onnx one; seconds per 10k chunks for both, in one run.

    python bench/reembed.py [--articles 400]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BBC = ROOT.parent / "shared" / "corpora" / "bbc"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=400)
    args = parser.parse_args()

    from index.reembed import reembed
    from index.settings import Settings
    from ingest.run import ingest_sources

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources"
        sources.mkdir()
        for path in sorted(BBC.glob("*/*.txt"))[: args.articles]:
            shutil.copyfile(path, sources / f"{path.parent.name}-{path.name}")
        data = Path(tmp) / "data"
        started = time.perf_counter()
        report = ingest_sources(Settings(_env_file=None, data_dir=data, embed_backend="torch"), [str(sources)])
        ingest_seconds = time.perf_counter() - started
        chunks = report.chunks_embedded
        result = reembed(Settings(_env_file=None, data_dir=data, embed_backend="onnx"))
        per_10k = 10_000 / result.reembedded
        print(f"{args.articles} articles, {chunks} chunks")
        print(f"ingest (torch, reading, chunking, embedding, writing): {ingest_seconds:.1f} s = {ingest_seconds * 10_000 / chunks:.0f} s per 10k chunks")
        print(f"reembed (onnx, in place): {result.seconds:.1f} s = {result.seconds * per_10k:.0f} s per 10k chunks")


if __name__ == "__main__":
    main()
