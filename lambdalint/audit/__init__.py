"""``lambdalint audit``: read live accounts with boto3 and lint what they run.

The data path is the one ``check`` uses, by construction::

    boto3 (read-only) -> snapshot dict -> JSON text -> [--save FILE] -> parsers.live -> rules

``fetch`` reads the accounts into a snapshot (every response, keyed by AWS names), ``render``
turns it into the canonical JSON text, and the text goes through the same decoder and live
parser as ``lambdalint check snapshot.json``. With ``--save`` the audit literally lints the file
it saved, so ``check`` on it reproduces the findings exactly, lines included.

boto3 is imported only here (and only by the ``audit`` command): ``check`` never loads it.
"""

from __future__ import annotations

import json
from typing import Any

EXIT_PARTIAL = 3


def render(snapshot: dict[str, Any]) -> str:
    """The canonical snapshot text (what ``--save`` writes, and what locations refer to)."""
    return json.dumps(snapshot, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
