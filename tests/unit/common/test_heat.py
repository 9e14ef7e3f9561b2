"""What the conductor's Heat client logs: never a private key."""
from __future__ import annotations

import json
import logging

from magnum_like.common import heat
from magnum_like.pki import x509


def test_request_logs_hide_private_keys(caplog):
    """keystoneauth logs request bodies at DEBUG; stack bodies carry keys."""
    key = x509.generate_ca('logs').private_key
    heat.hide_private_keys_in_request_logs()
    heat.hide_private_keys_in_request_logs()  # once is enough: not stacked twice
    logger = logging.getLogger('keystoneauth.session')
    assert len([f for f in logger.filters if isinstance(f, heat.HidePrivateKeys)]) == 1
    body = json.dumps({'parameters': {'ca_key': key, 'kube_tag': 'v1.15.7'}})
    with caplog.at_level(logging.DEBUG, logger='keystoneauth.session'):
        logger.debug("REQ: curl -g -i -X POST http://heat/stacks -d '%s'" % body)
        logger.debug('REQ: %s', body)
    assert len(caplog.records) == 2
    for record in caplog.records:
        assert 'PRIVATE KEY' not in record.getMessage()
        assert '<private key hidden>' in record.getMessage()
        assert 'v1.15.7' in record.getMessage()
