"""Rotations: the CA (the API made the new CAs; the stack hands them to the
nodes) and the credential (the API made the new trust)."""
from __future__ import annotations

from magnum_like.common import context as ml_context
from magnum_like.common import trust
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import registry
from magnum_like.conductor import pki
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod


@registry.register('rotate_ca')
class RotateCa(common.Handler):
    def start(self, task: task_mod.ClusterTask) -> str:
        # The API already made the new CAs (pki.rotate_cluster_ca) and recorded the
        # old references in ``old_refs``: hand the new ones to the nodes. The
        # driver maps the new CAs (in ``view.extra``) onto its templates.
        view = common.make_view(task)
        body = task.driver.refresh_stack_body(view)
        return common.patch(task, common.cluster_stack_id(task), body)

    def after_done(self, task: task_mod.ClusterTask) -> None:
        if task.args.get('old_refs'):
            pki.delete_refs(task.context or ml_context.get_admin_context(),
                            task.args['old_refs'])


@registry.register('rotate_credential')
class RotateCredential(common.Handler):
    def start(self, task: task_mod.ClusterTask) -> str | None:
        # The API made the new trust with the caller's token (common/trust.py).
        rotated = trust.apply_rotation(task.uuid, task.args.get('new_trust') or {})
        if not (rotated or {}).get('trustee_user_id') or not common.cluster_stack_id(task):
            # No trust to rotate (noauth, trusts off): the nodes hold nothing to update.
            task.process_event(states.DONE, end_operation=True)
            return None
        # The nodes get the new trustee password and trust through the stack.
        view = common.make_view(task)
        return common.patch(task, common.cluster_stack_id(task),
                            task.driver.refresh_stack_body(view))
