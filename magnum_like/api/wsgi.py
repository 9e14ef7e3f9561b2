"""WSGI entry point for any WSGI server (uWSGI, mod_wsgi, gunicorn --threads ...).

Reads ``/etc/magnum_like/magnum_like.conf`` (or ``MAGNUM_LIKE_CONFIG``) once.
"""
import os

from magnum_like.api import app as api_app
from magnum_like.common import config_check
from magnum_like.common import service
from magnum_like import conf as ml_conf


def init_application():
    """Load and check configuration, set up logging, then build the API.

    :raises ConfigurationError: the configuration cannot work (the message
        names the option), so the WSGI server refuses to load the application.
    """
    config = os.environ.get('MAGNUM_LIKE_CONFIG')
    argv = ['magnum-like-api'] + (['--config-file', config] if config else [])
    service.prepare_service(argv)
    config_check.check_api(ml_conf.CONF)
    return api_app.setup_app()
