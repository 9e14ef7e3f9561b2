"""Process start-up shared by every console script: configuration and logging."""
from __future__ import annotations

import sys

from oslo_log import log as logging

from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

_LOGGING_REGISTERED = False


def prepare_service(argv: list[str] | None = None, *,
                    default_config_files: list[str] | None = None) -> None:
    """Parse the command line and config files, then set up logging.

    :param argv: the command line, program name first (default ``sys.argv``).
    :param default_config_files: files read when no ``--config-file`` is given.
    """
    global _LOGGING_REGISTERED
    if argv is None:
        argv = sys.argv
    if not _LOGGING_REGISTERED:
        logging.register_options(CONF)
        _LOGGING_REGISTERED = True
    logging.set_defaults(default_log_levels=logging.get_default_log_levels() + [
        'stevedore=INFO', 'keystonemiddleware=INFO', 'alembic=WARNING'])
    CONF(argv[1:], project='magnum_like', prog=argv[0].rsplit('/', 1)[-1],
         default_config_files=default_config_files)
    logging.setup(CONF, 'magnum_like')


def refuse_to_start(name: str, error: Exception) -> int:
    """Log and print why ``name`` will not start; the exit code to return (2)."""
    LOG.error('%s cannot start: %s', name, error)
    sys.stderr.write('%s cannot start: %s\n' % (name, error))
    return 2
