"""The multi-worker API's shared socket: connections accepted from it send at once.

Without TCP_NODELAY the kernel holds a small write back until the previous one
is acknowledged; cheroot writes an answer's headers and body separately, so
each answer waited for the client's delayed acknowledgement (up to 40 ms).
"""
from __future__ import annotations

import socket

from magnum_like.cmd import api as api_cmd


def test_accepted_connections_have_nodelay():
    listener = api_cmd._listen('127.0.0.1', 0)
    try:
        client = socket.create_connection(listener.getsockname()[:2], timeout=10)
        accepted, _addr = listener.accept()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            accepted.close()
            client.close()
    finally:
        listener.close()
