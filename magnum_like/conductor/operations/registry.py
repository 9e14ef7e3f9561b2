"""Which handler carries out which operation.

Each module of this package registers its handlers with :func:`register`;
the conductor finds them with :func:`get` / :func:`handler_for`, never by
building a name. The operation's rules (event, statuses) are in
:data:`magnum_like.conductor.states.OPERATIONS`; a handler is what the
conductor does for it in Heat.
"""
from __future__ import annotations

from typing import Any, Callable

_HANDLERS: dict[str, Any] = {}
_DEFAULT: list[Any] = []


def register(*names: str) -> Callable[[type], type]:
    """Class decorator: an instance of the class handles ``names``."""
    def wrap(cls: type) -> type:
        for name in names:
            if name in _HANDLERS:
                raise ValueError('operation %r has two handlers' % name)
            _HANDLERS[name] = cls(name)
        return cls
    return wrap


def set_default(handler: Any) -> None:
    """What handles the endings of an operation with no handler (the base rules)."""
    _DEFAULT[:] = [handler]


def get(name: str | None) -> Any | None:
    """The handler of ``name``, None when there is none."""
    return _HANDLERS.get(name or '')


def handler_for(name: str | None) -> Any:
    """The handler of ``name``, else the default one (an unknown operation still ends)."""
    return _HANDLERS.get(name or '') or _DEFAULT[0]


def names() -> list[str]:
    """Every registered operation."""
    return sorted(_HANDLERS)
