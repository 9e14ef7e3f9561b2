"""The ``mesos_fedora_atomic_v1`` driver: Mesos and Marathon on Fedora Atomic.

Besides checking the Mesos labels, it answers the conductor's question of
which agents a scale-down removes when the request names none: agents with
no running tasks first (``choose_nodes_to_remove``). The driver cannot see
tasks offline, so the conductor passes the agents it read from a Mesos
master (``agents_from_state`` parses ``GET /master/state``).
"""
from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from magnum_like.common import exception
from magnum_like.drivers import base
from magnum_like.drivers.heat.docker_fedora import driver as docker_driver
from magnum_like.drivers.heat import mapping
from magnum_like.drivers.mesos_fedora_atomic_v1 import template_def

#: Isolators the Mesos agent accepts for ``mesos_slave_isolation``.
ISOLATORS = (
    'filesystem/posix', 'filesystem/linux', 'filesystem/shared', 'posix/cpu', 'posix/mem',
    'posix/disk', 'cgroups/cpu', 'cgroups/mem', 'cgroups/devices', 'disk/du',
    'docker/runtime', 'docker/volume', 'namespaces/pid', 'network/cni', 'volume/sandbox_path',
)
#: Image providers of the Mesos containerizer.
IMAGE_PROVIDERS = ('appc', 'docker')
_PATH = re.compile(r'^/[A-Za-z0-9._/-]*$')
#: A release tag: 1.9.1, v1.8.222, 3.6 (an optional suffix after '-').
_TAG = re.compile(r'^v?\d+(\.\d+)*(-[0-9A-Za-z.]+)?$')


def _tag_key(tag: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(tag).lstrip('v').split('-')[0].split('.'))


def agents_from_state(state: dict) -> list[dict]:
    """The agents of a Mesos master's ``/master/state`` document.

    :returns: ``[{'address', 'hostname', 'id', 'running_tasks'}]`` in the master's order.
    """
    running: dict[str, int] = {}
    for framework in state.get('frameworks') or []:
        for task in framework.get('tasks') or []:
            if task.get('state') in ('TASK_RUNNING', 'TASK_STARTING', 'TASK_STAGING'):
                running[task.get('slave_id')] = running.get(task.get('slave_id'), 0) + 1
    agents = []
    for agent in state.get('slaves') or []:
        pid = str(agent.get('pid') or '')
        address = pid.split('@', 1)[1].split(':', 1)[0] if '@' in pid else agent.get('hostname')
        agents.append({'address': address, 'hostname': agent.get('hostname'),
                       'id': agent.get('id'), 'running_tasks': running.get(agent.get('id'), 0)})
    return agents


class Driver(docker_driver.DockerFedoraDriver):
    """Mesos with Marathon, one or more (odd) masters, Docker containerizer on the agents."""

    provides = [
        {'server_type': 'vm', 'os': 'fedora-atomic', 'coe': 'mesos'},
        {'server_type': 'bm', 'os': 'fedora-atomic', 'coe': 'mesos'},
    ]
    container_version: ClassVar[str | None] = '1.9.1'
    definition = template_def.MesosTemplateDefinition()

    def validate_labels(self, view: base.ClusterView) -> None:
        """The ``mesos_slave_*`` labels.

        ``mesos_slave_isolation`` and ``mesos_slave_image_providers`` list
        values from closed sets; image providers need the ``filesystem/linux``
        and ``docker/runtime`` isolators; the work directory is an absolute
        path; the executor environment a JSON object of strings.

        :raises InvalidParameterValue: naming the label (and the allowed values).
        """
        isolation = docker_driver.check_choices(view, 'mesos_slave_isolation', ISOLATORS)
        providers = docker_driver.check_choices(view, 'mesos_slave_image_providers',
                                                IMAGE_PROVIDERS)
        if providers:
            missing = [i for i in ('filesystem/linux', 'docker/runtime') if i not in isolation]
            if missing:
                raise docker_driver.invalid_label(
                    'mesos_slave_image_providers',
                    'needs mesos_slave_isolation to include %s.' % ', '.join(missing))
        work_dir = view.label('mesos_slave_work_dir')
        if work_dir is not None and not _PATH.match(str(work_dir)):
            raise docker_driver.invalid_label(
                'mesos_slave_work_dir', 'must be an absolute path (got %r).' % work_dir)
        env = view.label('mesos_slave_executor_env_variables')
        if env is not None:
            try:
                parsed = json.loads(env)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()):
                raise docker_driver.invalid_label(
                    'mesos_slave_executor_env_variables',
                    'must be a JSON object of string values, e.g. {"PATH": "/bin"}.')

    def validate_upgrade(self, view: base.ClusterView, new_template: Any, nodegroup: Any,
                         max_batch_size: int) -> None:
        """New Mesos, Marathon or ZooKeeper releases from the new template's labels.

        The masters (ZooKeeper, Mesos master, Marathon) keep their addresses
        (their ports are separate resources), so a replaced master rejoins the
        ZooKeeper ensemble and the Mesos replicated log; the agents are replaced
        in rolling batches of ``max_batch_size``.

        :raises InvalidParameterValue: no version label changed, a malformed
            one, a downgrade (naming the label), or a batch size below 1.
        :raises NotSupported: a node group other than the default ones.
        """
        if nodegroup is not None and not nodegroup.is_default:
            raise exception.NotSupported(operation='Upgrading a non-default Mesos node group')
        if max_batch_size < 1:
            raise exception.InvalidParameterValue(
                err='max_batch_size: must be at least 1 (got %s).' % max_batch_size)
        new_labels = dict(getattr(new_template, 'labels', None) or {})
        changed = []
        for label in template_def.VERSION_LABELS:
            new = new_labels.get(label)
            if new in (None, ''):
                continue
            if not _TAG.match(str(new)):
                raise docker_driver.invalid_label(
                    label, 'must be a release such as 1.9.1 (got %r).' % new)
            old = view.label(label) or template_def.DEFAULT_TAGS[label]
            if _TAG.match(str(old)) and _tag_key(new) < _tag_key(old):
                raise exception.InvalidParameterValue(
                    err="%s: %s is older than the cluster's %s; downgrades are not "
                        'supported.' % (label, new, old))
            if str(new) != str(old):
                changed.append(label)
        if not changed:
            raise exception.InvalidParameterValue(
                err='cluster_template: the new template changes none of %s; nothing to '
                    'upgrade.' % ', '.join(template_def.VERSION_LABELS))

    def running_state_url(self, view: base.ClusterView) -> str | None:
        """A Mesos master's ``/master/state`` (agents and their running tasks)."""
        address = view.cluster.api_address
        if not address:
            return None
        host = address.split('://', 1)[-1].split('/', 1)[0].split(':', 1)[0]
        return 'http://%s:5050/master/state' % host

    def nodes_from_state(self, state: dict) -> list[dict]:
        return agents_from_state(state)

    def choose_nodes_to_remove(self, view: base.ClusterView, nodegroup: Any, node_count: int,
                               agents: list[dict]) -> tuple[list[str], str | None]:
        """The agents a scale-down to ``node_count`` removes when none are named.

        Agents with no running tasks go first, the newest (highest index in
        the stack) first among equals; if too few are idle, the ones with the
        fewest tasks. The result feeds ``update_stack_body(nodes_to_remove=...)``
        and the reason the cluster's ``status_reason``.

        :param agents: ``agents_from_state`` of a master's ``/master/state``
            (``address`` and ``running_tasks`` are used).
        :returns: ``(private addresses, reason)``; ``([], None)`` when nothing
            is removed.
        """
        outputs = view.extra.get('stack_outputs') or {}
        addresses = mapping.as_list(view, outputs.get('mesos_slaves_private'))
        remove = len(addresses) - int(node_count)
        if remove <= 0:
            return [], None
        tasks = {agent.get('address'): int(agent.get('running_tasks') or 0) for agent in agents}
        # Unknown to the master (not registered yet or lost): nothing runs there.
        order = sorted(range(len(addresses)),
                       key=lambda i: (tasks.get(addresses[i], 0), -i))
        chosen = [addresses[i] for i in order[:remove]]
        busy = [a for a in chosen if tasks.get(a, 0)]
        reason = 'Removing Mesos agents %s' % ', '.join(chosen)
        if busy:
            reason += ' (too few idle agents: %s had running tasks)' % ', '.join(
                '%s with %d' % (a, tasks[a]) for a in busy)
        else:
            reason += ' (no running tasks)'
        return chosen, reason

    def fields_from_stack(self, view: base.ClusterView, outputs: dict,
                          parameters: dict) -> tuple[dict, dict]:
        """Addresses from the outputs; ``coe_version`` the stack's Mesos release."""
        cluster_updates, ng_updates = super().fields_from_stack(view, outputs, parameters)
        cluster_updates['coe_version'] = ((parameters or {}).get('mesos_tag')
                                          or view.label('mesos_tag') or '1.7.1')
        cluster_updates['container_version'] = self.container_version
        return cluster_updates, ng_updates
