"""The organisation of the internal-control tests: a board with its administration and a unit below
it; another board, and a third where a test needs one. conftest.py's callers sit in it; `staff` and
`namnd` are the callers the execution tests build for a board of their choice."""

import uuid
from typing import Any

from styrkedjan_common.identity import Role

BOARD = str(uuid.uuid4())
ADMINISTRATION = str(uuid.uuid4())
UNIT = str(uuid.uuid4())
OTHER_BOARD = str(uuid.uuid4())
THIRD_BOARD = str(uuid.uuid4())


def staff(as_role: Any, board: str = BOARD) -> dict[str, str]:
    """The administration serving `board` (its scope covers the board)."""
    return as_role(Role.FORVALTNING, ADMINISTRATION if board == BOARD else board, [ADMINISTRATION, board, UNIT])


def namnd(as_role: Any, board: str = BOARD) -> dict[str, str]:
    return as_role(Role.NAMND, board, [board])
