"""Policy enforcement (oslo.policy) with the rules of ``magnum_like.common.policies``.

Scope and defaults
------------------
Every rule is ``scope_types=['project']`` and the new (secure-RBAC) defaults are
enforced, as in Magnum since 2024.1:

* ``[oslo_policy] enforce_new_defaults`` defaults to ``True``: the classic
  ``admin_or_owner``/``admin_or_user`` defaults are only deprecated fallbacks,
  consulted when an operator sets it to ``False`` during an upgrade.
* Scope is enforced (oslo.policy >= 6 always does; on older releases we default
  ``enforce_scope`` to ``True``). A project-scoped token passes the scope
  check; a system- or domain-scoped token is refused with
  :class:`~magnum_like.common.exception.PolicyNotAuthorized` (403), never with
  oslo.policy's own ``InvalidScope``. Contexts without any scope (the service's
  own admin context) count as project-scoped, as oslo.policy treats them.

Credentials are the context's ``to_policy_values()`` plus ``is_admin``, so the
legacy ``is_admin:True`` checks still mean what they meant.
"""
from __future__ import annotations

import inspect
import sys
import threading
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import _checks as policy_checks
from oslo_policy import opts as policy_opts
from oslo_policy import policy

from magnum_like.common import exception
from magnum_like.common import policies
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

_ENFORCER: policy.Enforcer | None = None
_LOCK = threading.Lock()

#: Seconds between checks of the policy file (and policy.d) for changes.
RELOAD_CHECK_INTERVAL = 1.0


_ARG_COUNTS: dict = {}
#: oslo.policy's own ``_checks._check`` (what :func:`install_fast_check` replaces).
_inspect_check = policy_checks._check


def _check(rule, target, creds, enforcer, current_rule):
    """oslo.policy's ``_checks._check``, without ``inspect.getfullargspec`` per call.

    oslo.policy inspects every check's ``__call__`` each time it evaluates it
    (to know whether it takes ``current_rule``): 7 signature inspections per
    API request in the profile. The answer depends only on the check's class.
    """
    call = type(rule).__call__
    count = _ARG_COUNTS.get(call)
    if count is None:
        if '__call__' in getattr(rule, '__dict__', ()):
            return _inspect_check(rule, target, creds, enforcer, current_rule)
        count = _ARG_COUNTS[call] = len(inspect.getfullargspec(rule.__call__).args)
    if count > 4:
        return rule(target, creds, enforcer, current_rule)
    return rule(target, creds, enforcer)


def install_fast_check() -> None:
    """Replace ``oslo_policy._checks._check`` with :func:`_check` (idempotent).

    Called once at start-up by the API (``api.app.setup_app``), never on
    import: importing this module leaves oslo.policy as it is. It patches a
    private function, so ``tests/unit/common/test_policy_patch.py`` pins
    what it relies on (the name, its signature, oslo.policy's checks calling
    it through the module) and fails when an oslo.policy release changes it.
    """
    policy_checks._check = _check


def uninstall_fast_check() -> None:
    """Put oslo.policy's own ``_checks._check`` back (tests)."""
    policy_checks._check = _inspect_check


class _Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, looking for policy file changes at most once a second.

    ``Enforcer.enforce`` calls ``load_rules()`` on every check, which resolves
    the policy file's path and ``stat``s it and every ``policy_dirs`` entry,
    then walks the registered defaults: a third of a request's time in the
    profile. A changed file is still picked up, within
    :data:`RELOAD_CHECK_INTERVAL`; ``force_reload`` and the first load are
    never delayed.
    """

    _next_check = 0.0

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if not force_reload and self.rules and now < self._next_check:
            return
        super().load_rules(force_reload)
        self._next_check = now + RELOAD_CHECK_INTERVAL

    def clear(self) -> None:
        super().clear()
        self._next_check = 0.0


def _set_defaults(conf: cfg.ConfigOpts) -> None:
    defaults: dict[str, Any] = {'enforce_new_defaults': True}
    if any(opt.name == 'enforce_scope' for opt in policy_opts._options):
        defaults['enforce_scope'] = True
    policy_opts.set_defaults(conf, **defaults)


_set_defaults(CONF)


def init(conf: cfg.ConfigOpts | None = None, *, policy_file: str | None = None,
         rules: dict | None = None, overwrite: bool = True) -> policy.Enforcer:
    """Create the process's enforcer (once) and register the rules in code.

    :param conf: the configuration (default the global ``CONF``).
    :param policy_file: a policy file overriding ``[oslo_policy] policy_file``.
    :param rules: rules to set directly (tests).
    :param overwrite: whether ``rules`` replace the loaded rules.
    :returns: the enforcer.
    """
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            enforcer = _Enforcer(conf or CONF, policy_file=policy_file, rules=rules,
                                       overwrite=overwrite)
            enforcer.register_defaults(policies.list_rules())
            _ENFORCER = enforcer
        return _ENFORCER


def get_enforcer() -> policy.Enforcer:
    """The enforcer, for oslo.policy's tools (``oslo.policy.enforcer`` entry point).

    ``oslopolicy-checker`` and ``oslopolicy-policy-generator`` call this with
    their own command line; only the config file options are taken from it so
    that the enforcer reads the operator's ``[oslo_policy]`` settings.
    """
    if not CONF.config_file and not CONF.config_dir:
        argv = sys.argv[1:]
        conf_args = []
        for index, arg in enumerate(argv):
            if arg in ('--config-file', '--config-dir') and index + 1 < len(argv):
                conf_args += [arg, argv[index + 1]]
            elif arg.startswith(('--config-file=', '--config-dir=')):
                conf_args.append(arg)
        CONF(conf_args, project='magnum_like')
    return init()


def reset() -> None:
    """Forget the enforcer and its rules (tests)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def _credentials(context: Any) -> dict[str, Any]:
    """The policy credentials of ``context``, computed once per context and admin flag.

    A request checks several rules; its identity does not change between them,
    except ``is_admin``, which the API sets after the first check.
    """
    is_admin = bool(getattr(context, 'is_admin', False))
    cached = getattr(context, '_policy_credentials', None)
    if cached is not None and cached[0] == is_admin:
        return cached[1]
    creds = dict(context.to_policy_values())
    creds['is_admin'] = is_admin
    try:
        context._policy_credentials = (is_admin, creds)
    except AttributeError:
        pass   # a context type that takes no new attributes: no cache
    return creds


def enforce(context: Any, rule: str, target: dict | None = None, *,
            do_raise: bool = True) -> bool:
    """Check that ``context`` may do ``rule`` to ``target``.

    :param context: the caller's :class:`~magnum_like.common.context.RequestContext`.
    :param rule: the rule's name, e.g. ``cluster:create``.
    :param target: the object's fields (its ``project_id``/``user_id`` matter);
        defaults to the caller's own ``project_id`` and ``user_id``.
    :param do_raise: raise instead of returning ``False``.
    :returns: whether the rule allows it.
    :raises PolicyNotAuthorized: refused (also for a token of the wrong scope),
        when ``do_raise``.
    """
    if target is None:
        target = {'project_id': context.project_id, 'user_id': context.user_id}
    enforcer = init()
    creds = _credentials(context)
    try:
        allowed = enforcer.enforce(rule, target, creds, do_raise=do_raise,
                                   exc=exception.PolicyNotAuthorized, action=rule)
    except policy.InvalidScope as error:
        LOG.debug('Policy %s refused to %s: %s', rule, context.user_id, error)
        raise exception.PolicyNotAuthorized(action=rule)
    if not allowed:
        LOG.debug('Policy %s refused to user %s of project %s',
                  rule, context.user_id, context.project_id)
    return bool(allowed)


def check_is_admin(context: Any) -> bool:
    """Whether ``context`` is an admin (rule ``context_is_admin``).

    :param context: the caller's context.
    """
    return enforce(context, 'context_is_admin', do_raise=False)
