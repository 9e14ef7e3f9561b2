"""How an operation ends when its deadline passes.

The API gives every operation a deadline (a create its ``create_timeout``,
anything else ``[conductor] operation_timeout``); the tracking pass calls
:func:`deadline_passed` once it is over. The operation ends ``*_FAILED`` with
a reason saying what timed out and what Heat still does. A delete that Heat
has not finished is asked of Heat once more (a stuck ``DELETE_IN_PROGRESS``
is restarted where Heat allows it) and the reason says so, so the user
knows a new delete retries it; a stack Heat has deleted meanwhile ends the
delete as done, not failed. Each operation's handler
(:mod:`magnum_like.conductor.operations`) says how: ``deadline_reason`` and
``deadline_passed``.
"""
from __future__ import annotations

from typing import Any

from magnum_like.conductor import operations


def deadline_passed(task: Any) -> None:
    """End an operation its deadline overtook with a plain reason."""
    operations.deadline_passed(task)
