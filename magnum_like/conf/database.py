"""[database]: oslo.db's own options, with the embedded SQLite default."""
from oslo_db import options as db_options


def set_defaults(conf):
    """Default to SQLite in ``state_path`` so a fresh install runs as is."""
    db_options.set_defaults(conf, connection='sqlite:///$state_path/magnum_like.sqlite')


def register_opts(conf):
    set_defaults(conf)


def list_opts():
    # oslo.db publishes its options under its own generator namespace.
    return {}
