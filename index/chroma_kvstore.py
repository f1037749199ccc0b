"""A llama-index key-value store kept in a Chroma collection, so that the docstore lives
in the same Chroma server as the vectors when several processes share an index
(`NEWSBOT_CHROMA_URL`). No second database to run, back up or keep in step.

Values are JSON documents; Chroma wants a vector per record, so each gets a 1-d zero.
"""

from __future__ import annotations

import json
from typing import Optional

from llama_index.core.storage.kvstore.types import DEFAULT_COLLECTION, BaseKVStore

from index.store import scan

_ZERO = [0.0]


class ChromaKVStore(BaseKVStore):
    def __init__(self, client, name: str):
        self._collection = client.get_or_create_collection(
            name=name, metadata={"newsbot": "docstore"}, embedding_function=None
        )

    @staticmethod
    def _id(key: str, collection: str) -> str:
        return f"{collection}\x1f{key}"

    def put(self, key: str, val: dict, collection: str = DEFAULT_COLLECTION) -> None:
        self.put_all([(key, val)], collection)

    def put_all(self, kv_pairs, collection: str = DEFAULT_COLLECTION, batch_size: int = 1000) -> None:
        pairs = list(kv_pairs)
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start : start + batch_size]
            self._collection.upsert(
                ids=[self._id(k, collection) for k, _ in batch],
                documents=[json.dumps(v) for _, v in batch],
                metadatas=[{"collection": collection, "key": k} for k, _ in batch],
                embeddings=[_ZERO for _ in batch],
            )

    def get(self, key: str, collection: str = DEFAULT_COLLECTION) -> Optional[dict]:
        got = self._collection.get(ids=[self._id(key, collection)], include=["documents"])
        return json.loads(got["documents"][0]) if got["ids"] else None

    def get_all(self, collection: str = DEFAULT_COLLECTION) -> dict[str, dict]:
        records = scan(lambda: self._collection, where={"collection": collection}, documents=True)
        return {meta["key"]: json.loads(doc) for _, meta, doc in records}

    def delete(self, key: str, collection: str = DEFAULT_COLLECTION) -> bool:
        record = self._id(key, collection)
        if not self._collection.get(ids=[record], include=[])["ids"]:
            return False
        self._collection.delete(ids=[record])
        return True

    async def aput(self, key: str, val: dict, collection: str = DEFAULT_COLLECTION) -> None:
        self.put(key, val, collection)

    async def aget(self, key: str, collection: str = DEFAULT_COLLECTION) -> Optional[dict]:
        return self.get(key, collection)

    async def aget_all(self, collection: str = DEFAULT_COLLECTION) -> dict[str, dict]:
        return self.get_all(collection)

    async def adelete(self, key: str, collection: str = DEFAULT_COLLECTION) -> bool:
        return self.delete(key, collection)
