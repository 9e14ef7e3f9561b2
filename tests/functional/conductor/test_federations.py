"""Federations in the conductor: lost casts, deadlines, failures in plain words, deletes.

In process (SQLite, fake:/ RPC, the simulator over HTTP). The test driver's
masters are bare servers (no Kubernetes booted on them), so the federation
script's deployment fails on them the way it would on a real node: that is
the Heat failure these tests read back.
"""
from __future__ import annotations

import datetime
import json
import time
import uuid as uuidlib

from magnum_like.common import exception
from magnum_like.conductor import federations
from magnum_like.conductor import states
from magnum_like.db import api as db
from magnum_like.pki import certificates as pki
from tests.functional.conductor.conftest import PROJECT


def _federation(env, host: str, members: list[str], *, cast: bool, operation='create',
                status='CREATE_IN_PROGRESS', deadline_s: float = 600) -> str:
    """A federation row as the API writes it (optionally without the cast: a lost one)."""
    fed = str(uuidlib.uuid4())
    db.create_federation(dict(
        uuid=fed, name='f-' + fed[:6], project_id=PROJECT, hostcluster_id=host,
        member_ids=members, properties={'dns-zone': 'example.com.'}, status=status,
        operation=operation, operation_args={'join': members, 'leave': []},
        deadline=datetime.datetime.utcnow() + datetime.timedelta(seconds=deadline_s)))
    if cast:
        env.api.process_federation(env.ctx, fed)
    return fed


def _settled(fed: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        try:
            row = db.get_federation_by_uuid(_admin(), fed)
        except exception.FederationNotFound:
            return None
        if row.operation is None and not row.reservation:
            return row
        time.sleep(0.05)
    raise AssertionError('federation %s did not settle: %s/%s' % (
        fed, row.status, row.operation_args))


def _admin():
    from magnum_like.common import context
    return context.get_admin_context()


def _clusters(env, count: int) -> list[str]:
    uuids = [env.create_intent() for _ in range(count)]
    for uuid in uuids:
        env.wait_status(uuid, states.CREATE_COMPLETE)
    return uuids


def _fed_stacks(env, fed: str) -> list:
    with env.sim.store.lock:
        return [s for s in env.sim.engine.stacks.values()
                if s.parent_id is None and federations.federation_tag(fed) in (s.tags or [])]


def test_a_lost_cast_is_reconciled_and_a_heat_failure_is_told_in_plain_words(conductor_env):
    env = conductor_env
    env.start_conductor()
    host, member = _clusters(env, 2)
    fed = _federation(env, host, [member], cast=False)
    row = _settled(fed)
    assert row.status == states.CREATE_FAILED
    # The deepest failed resource, and why: its servers run no Kubernetes.
    assert 'federation_deployments' in row.status_reason, row.status_reason
    assert 'not a Kubernetes master' in row.status_reason, row.status_reason
    stacks = _fed_stacks(env, fed)
    assert [s.name for s in stacks] == ['federation-' + fed]
    assert stacks[0].project == PROJECT
    assert 'magnum_like' in stacks[0].tags
    # The member's credential went to the host as a hidden parameter: the
    # federation's own identity, signed by the member's CA.
    members = json.loads(stacks[0].user_params['members_json'])
    assert [m['uuid'] for m in members] == [member]
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(members[0]['cert'].encode())
    ca = x509.load_pem_x509_certificate(members[0]['ca'].encode())
    assert cert.subject.rfc4514_string() == 'CN=kubefed-%s' % fed
    assert cert.issuer == ca.subject
    now = datetime.datetime.now(datetime.timezone.utc)
    assert cert.not_valid_after_utc - now <= datetime.timedelta(
        days=pki.FEDERATION_CERT_DAYS, minutes=10)
    assert 'PRIVATE KEY' in members[0]['key'] and 'PRIVATE KEY' not in members[0]['ca']


def test_a_passed_deadline_fails_the_operation(conductor_env):
    env = conductor_env
    env.start_conductor()
    host, = _clusters(env, 1)
    fed = _federation(env, host, [], cast=True, deadline_s=-1)
    row = _settled(fed)
    assert row.status == states.CREATE_FAILED
    assert 'did not finish in time' in row.status_reason
    assert _fed_stacks(env, fed) == []


def test_a_gone_host_fails_in_plain_words_and_delete_removes_stack_and_row(conductor_env):
    env = conductor_env
    env.start_conductor()
    host, = _clusters(env, 1)
    fed = _federation(env, str(uuidlib.uuid4()), [], cast=True)
    row = _settled(fed)
    assert row.status == states.CREATE_FAILED
    assert 'host cluster' in row.status_reason and 'no longer exists' in row.status_reason
    # A delete: the row goes once its stack (none here) is gone.
    db.update_federation(fed, {'status': states.DELETE_IN_PROGRESS, 'operation': 'delete',
                               'operation_args': {}})
    env.api.process_federation(env.ctx, fed)
    assert _settled(fed) is None

    failed = _federation(env, host, [], cast=True)
    assert _settled(failed).status == states.CREATE_FAILED
    assert len(_fed_stacks(env, failed)) == 1
    db.update_federation(failed, {'status': states.DELETE_IN_PROGRESS, 'operation': 'delete',
                                  'operation_args': {}})
    env.api.process_federation(env.ctx, failed)
    assert _settled(failed) is None
    assert _fed_stacks(env, failed) == []


def _stack_updates(env, fed: str) -> int:
    """How many updates Heat began on the federation stack (its stack-level events)."""
    stack, = _fed_stacks(env, fed)
    with env.sim.store.lock:
        return len([e for e in stack.events if e['resource_type'] == 'OS::Heat::Stack'
                    and e['action'] == 'UPDATE' and e['status'] == 'IN_PROGRESS'])


def _recovered_intent(fed: str, members: list[str], token: str) -> None:
    """A join as a conductor that died left it: token recorded, reservation held, no start."""
    db.update_federation(fed, {
        'status': states.UPDATE_IN_PROGRESS, 'status_reason': None, 'operation': 'update',
        'member_ids': members, 'reservation': 'a-conductor-that-died',
        'operation_args': {'join': members, 'leave': [], 'token': token},
        'deadline': datetime.datetime.utcnow() + datetime.timedelta(seconds=600)})


def test_a_recovered_join_finds_its_update_in_heat_and_makes_it_only_once(conductor_env):
    from magnum_like.common import heat
    from magnum_like.conductor import federation_stack
    env = conductor_env
    env.start_conductor()
    host, member = _clusters(env, 2)
    fed = _federation(env, host, [], cast=True)
    assert _settled(fed).status == states.CREATE_FAILED  # bare servers: see the module
    assert _stack_updates(env, fed) == 0

    # The dead conductor's update reached Heat: the next one watches it, makes no other.
    # (Its call is made here before its intent is written, so that this conductor's
    # reconcile pass cannot start the join in between; to the conductor it is the same.)
    token = uuidlib.uuid4().hex
    db.update_federation(fed, {'member_ids': [member]})
    client = heat.HeatClient(PROJECT)
    row = db.get_federation_by_uuid(_admin(), fed)
    body = federation_stack.stack_body(_admin(), row, client,
                                       db.get_cluster_by_uuid(_admin(), host), token)
    client.update_stack(_fed_stacks(env, fed)[0].id, body)
    _recovered_intent(fed, [member], token)
    env.api.process_federation(env.ctx, fed)
    row = _settled(fed)
    assert row.status == states.UPDATE_FAILED, row.status_reason
    assert 'federation_deployments' in row.status_reason, row.status_reason
    assert _stack_updates(env, fed) == 1

    # A token recorded but the call never made (the conductor died just before it):
    # the update is made, once.
    _recovered_intent(fed, [member], uuidlib.uuid4().hex)
    env.api.process_federation(env.ctx, fed)
    row = _settled(fed)
    assert row.status in (states.UPDATE_FAILED, states.UPDATE_COMPLETE), row.status
    assert _stack_updates(env, fed) == 2
