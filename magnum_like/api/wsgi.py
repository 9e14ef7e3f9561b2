"""WSGI entry point for any WSGI server (uWSGI, mod_wsgi, gunicorn --threads ...).

Reads ``/etc/magnum_like/magnum_like.conf`` (or ``MAGNUM_LIKE_CONFIG``) once.
"""
import os

from magnum_like.api import app as api_app
from magnum_like.common import service


def init_application():
    """Load configuration and logging, then build the API."""
    config = os.environ.get('MAGNUM_LIKE_CONFIG')
    argv = ['magnum-like-api'] + (['--config-file', config] if config else [])
    service.prepare_service(argv)
    return api_app.setup_app()
