"""Texts every database stores: no NUL character.

PostgreSQL's text types cannot hold U+0000 (a query binding one fails), while SQLite stores it;
a NUL is never meaningful in this domain's texts. So it is refused wherever a client's text comes
in, as a 422 naming the field, and behaves the same on both databases: in JSON bodies
(`schemas.InputModel`), in query and path parameters (every operation's route), in the subjects of
bearer tokens (the gateway) and in the cells of imported files (`refuse_nul`)."""

from __future__ import annotations

from typing import Any

from styrkedjan_common.problems import InvalidInput

NUL = "\x00"
NUL_DETAIL = "must not contain the NUL character (U+0000)"


def holds_nul(value: Any) -> bool:
    """A text, or a list or mapping of them at any depth, that holds a NUL (keys included)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    return False


def refuse_nul(cell: str) -> str:
    """A cell of an imported file, as it is; a ValueError (the importers' bad-value error) when it holds a NUL."""
    if NUL in cell:
        raise ValueError(NUL_DETAIL)
    return cell


def refuse_nul_in_parameters(query: Any, path: dict[str, Any]) -> None:
    """A 422 naming every query (`#/query/<name>`) and path (`#/path/<name>`) parameter holding a NUL."""
    errors = [{"pointer": f"#/query/{name}", "detail": NUL_DETAIL} for name, value in query.multi_items() if NUL in name or NUL in value]
    errors += [{"pointer": f"#/path/{name}", "detail": NUL_DETAIL} for name, value in path.items() if holds_nul(value)]
    if errors:
        raise InvalidInput("the request holds a NUL character (U+0000), which no text may contain", errors=errors)
