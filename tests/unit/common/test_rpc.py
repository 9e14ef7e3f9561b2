"""The RPC context serializer and the fake:// plumbing."""
from __future__ import annotations

import pytest

from magnum_like.common import context
from magnum_like.common import rpc  # before oslo_messaging: picks oslo.service's threading backend
from magnum_like import conf as ml_conf
import oslo_messaging as messaging  # noqa: I100

CONF = ml_conf.CONF


def test_context_round_trip():
    serializer = rpc.RequestContextSerializer()
    ctx = context.make_context(user_id='u1', project_id='p1', roles=['member', 'reader'],
                               request_id='req-00000000-0000-0000-0000-000000000001',
                               all_tenants=True, is_admin=False)
    wire = serializer.serialize_context(ctx)
    assert isinstance(wire, dict)
    back = serializer.deserialize_context(wire)
    assert isinstance(back, context.RequestContext)
    assert (back.user_id, back.project_id, back.roles, back.request_id, back.all_tenants, back.is_admin) == (
        'u1', 'p1', ['member', 'reader'], ctx.request_id, True, False)


def test_payload_becomes_json_primitives():
    serializer = rpc.RequestContextSerializer()
    entity = serializer.serialize_entity(None, {'ids': ('a', 'b'), 'n': 1})
    assert entity == {'ids': ['a', 'b'], 'n': 1}


class _Echo:
    target = messaging.Target(version='1.0')

    def echo(self, ctxt, value):
        return {'value': value, 'project_id': ctxt.project_id, 'type': type(ctxt).__name__}


@pytest.fixture()
def fake_rpc():
    CONF([], project='magnum_like', default_config_files=[])
    rpc.init(CONF, url='fake://')
    yield
    rpc.cleanup()
    CONF.reset()


def test_fake_transport_call(fake_rpc):
    server = rpc.get_rpc_server(messaging.Target(topic='test-echo', server='h1'), [_Echo()])
    server.start()
    try:
        client = rpc.get_rpc_client(messaging.Target(topic='test-echo', version='1.0'), timeout=5)
        ctx = context.make_context(user_id='u', project_id='p')
        assert client.call(ctx, 'echo', value=3) == {
            'value': 3, 'project_id': 'p', 'type': 'RequestContext'}
    finally:
        server.stop()
        server.wait()


def test_notifier(fake_rpc):
    notifier = rpc.get_notifier('magnum-like-conductor.h1')
    notifier.info(context.make_context(), 'magnum.cluster.create', {'x': 1})


def test_helpers_need_init():
    rpc.cleanup()
    with pytest.raises(RuntimeError):
        rpc.get_rpc_client(messaging.Target(topic='x'))
