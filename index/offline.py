"""Keep every library off the network: this machine (and many newsrooms') has no internet.

Imported first by `index/__init__.py`, so that the switches are in place before
transformers, huggingface_hub, chromadb or llama-index read them.
"""

import os

_OFFLINE_SWITCHES = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def go_offline() -> None:
    """Set the offline switches unless the user already chose a value."""
    for name, value in _OFFLINE_SWITCHES.items():
        os.environ.setdefault(name, value)
    # llama-index ships its own tiktoken and NLTK caches; point at them so that nothing
    # tries to fetch encodings or punkt data at run time.
    import importlib.util

    spec = importlib.util.find_spec("llama_index.core")
    if spec and spec.origin:
        static = os.path.join(os.path.dirname(spec.origin), "_static")
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", os.path.join(static, "tiktoken_cache"))
        os.environ.setdefault("NLTK_DATA", os.path.join(static, "nltk_cache"))


go_offline()
