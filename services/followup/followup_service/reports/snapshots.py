"""The frozen form of a report: one canonical JSON text and its SHA-256.

The text is stored as it is and served as it is, so a decided report reads back byte for byte,
whatever the other services hold by then; the hash lets anyone check that it did."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic_core import to_jsonable_python


def canonical_json(document: Any) -> str:
    """Keys sorted, no spaces, UTF-8 text as it is; decimals, dates and ids as strings."""
    return json.dumps(to_jsonable_python(document), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
