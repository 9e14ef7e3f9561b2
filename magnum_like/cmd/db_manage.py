"""``magnum-like-db-manage``: create and migrate the service's database.

    magnum-like-db-manage [--config-file F] upgrade [REV]
    magnum-like-db-manage [--config-file F] version
    magnum-like-db-manage [--config-file F] revision -m MSG [--autogenerate]
    magnum-like-db-manage [--config-file F] stamp REV
"""
from __future__ import annotations

import sys

from oslo_config import cfg

from magnum_like.common import service
from magnum_like import conf
from magnum_like.db import migration

CONF = conf.CONF


def do_upgrade() -> None:
    """Migrate to the requested revision (default head)."""
    migration.upgrade(CONF.command.revision or 'head')


def do_version() -> None:
    """Print the database's current revision (``None`` before the first upgrade)."""
    print(migration.version())


def do_revision() -> None:
    """Write a new migration script."""
    migration.revision(CONF.command.message, autogenerate=CONF.command.autogenerate)


def do_stamp() -> None:
    """Mark the database as being at a revision without migrating."""
    migration.stamp(CONF.command.revision)


def add_command_parsers(subparsers) -> None:
    """Declare the sub-commands (the ``SubCommandOpt`` handler)."""
    parser = subparsers.add_parser('upgrade', help='Upgrade the schema (default: to head).')
    parser.add_argument('revision', nargs='?', default='head')
    parser.set_defaults(func=do_upgrade)

    parser = subparsers.add_parser('version', help="Print the schema's current revision.")
    parser.set_defaults(func=do_version)

    parser = subparsers.add_parser('revision', help='Create a new migration script.')
    parser.add_argument('-m', '--message', required=True)
    parser.add_argument('--autogenerate', action='store_true',
                        help='Compare the models with the database to fill the script.')
    parser.set_defaults(func=do_revision)

    parser = subparsers.add_parser('stamp', help='Set the revision without migrating.')
    parser.add_argument('revision')
    parser.set_defaults(func=do_stamp)


COMMAND_OPT = cfg.SubCommandOpt('command', title='Commands', help='Available commands',
                                handler=add_command_parsers)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``magnum-like-db-manage``."""
    if 'command' not in CONF:
        CONF.register_cli_opt(COMMAND_OPT)
    service.prepare_service(sys.argv if argv is None else argv)
    CONF.command.func()
    return 0


if __name__ == '__main__':
    sys.exit(main())
