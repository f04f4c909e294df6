"""The organisation of the goals and plans tests: the council at the root; a board with its
administration and a unit below it; a second board. conftest.py's callers sit in it."""

import uuid

COUNCIL = str(uuid.uuid4())
BOARD = str(uuid.uuid4())
ADMINISTRATION = str(uuid.uuid4())
UNIT = str(uuid.uuid4())
OTHER_BOARD = str(uuid.uuid4())
BOARD_TREE = [BOARD, ADMINISTRATION, UNIT]
