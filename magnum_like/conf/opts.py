"""Hooks for oslo-config-generator (``oslo.config.opts`` entry point)."""
from __future__ import annotations

import magnum_like.conf


def list_opts() -> list[tuple[str, list]]:
    """Every option the service defines, grouped, for the sample config."""
    grouped: dict[str, list] = {}
    for module in magnum_like.conf.MODULES:
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    return sorted(grouped.items())


def set_defaults() -> None:
    """Library defaults the service changes (the generator calls this first)."""
    from magnum_like.conf import database
    database.set_defaults(magnum_like.conf.CONF)
    from magnum_like.common import rpc
    rpc.set_defaults()
