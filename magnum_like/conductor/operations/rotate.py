"""Rotations: the CA (the API made the new CAs; the stack hands them to the
nodes) and the credential (the API made the new trust)."""
from __future__ import annotations

from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import registry
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.pki import certificates
from magnum_like.pki import trust

LOG = logging.getLogger(__name__)


@registry.register('rotate_ca')
class RotateCa(common.Handler):
    def start(self, task: task_mod.ClusterTask) -> str:
        # The API already made the new CAs (certificates.rotate_cluster_ca) and recorded the
        # old references in ``old_refs``: hand the new ones to the nodes. The
        # driver maps the new CAs (in ``view.extra``) onto its templates.
        view = common.make_view(task)
        body = task.driver.refresh_stack_body(view)
        return common.patch(task, common.cluster_stack_id(task), body)

    def after_done(self, task: task_mod.ClusterTask) -> None:
        if task.args.get('old_refs'):
            certificates.delete_refs(task.context or ml_context.get_admin_context(),
                            task.args['old_refs'])


@registry.register('rotate_credential')
class RotateCredential(common.Handler):
    # The old trust is what is being replaced: a crash after the password changed
    # leaves the row with a password that no longer works, and the retry must
    # not refuse for that. The new trust was made by the API with the owner's token.
    check_trust = False

    def start(self, task: task_mod.ClusterTask) -> str | None:
        # The API made the new trust with the caller's token (pki/trust.py); the
        # task writes what the rotation returns, then the old trust goes.
        old_trust = task.cluster.trust_id
        values = trust.apply_rotation(task.cluster, task.args.get('new_trust') or {})
        if values:
            task.save(values)
        if old_trust != task.cluster.trust_id:
            trust.delete_replaced_trust(task.uuid, old_trust)
        if not (trust.trusts_enabled() and task.cluster.trustee_user_id) or \
                not common.cluster_stack_id(task):
            # No trust to rotate (noauth, trusts off): the nodes hold nothing to update.
            task.process_event(states.DONE, end_operation=True)
            return None
        # The nodes get the new trustee password and trust through the stack.
        view = common.make_view(task)
        return common.patch(task, common.cluster_stack_id(task),
                            task.driver.refresh_stack_body(view))

    def after_failed(self, task: task_mod.ClusterTask, args: dict) -> None:
        # Failed before the row took the new trust (Keystone refused the password
        # change, the deadline passed while Keystone was away): nothing will use it.
        try:
            trust.discard_unused_rotation(task.cluster, args.get('new_trust') or {})
        except Exception as error:  # noqa: BLE001 - the failure is written; log, go on
            LOG.warning('Cluster %s: the failed rotation\'s new trust was not deleted: %s',
                        task.uuid, error)
