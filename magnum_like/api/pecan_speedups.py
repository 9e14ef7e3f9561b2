"""Cache pecan's argument-spec lookups (profiled: the largest cost of routing).

pecan calls ``pecan.util.getargspec`` several times per request for every
controller it routes through (``RestController._route``,
``_find_sub_controllers``, ``_get_args_for_controller``, ``Pecan.invoke_controller``),
and each call runs ``inspect.getfullargspec`` and builds a new ``namedtuple``
*class* (``pecan.compat.getargspec``). A function's signature never changes,
so the result is cached per function object; callers only read it (they copy
``argspec.args`` before changing it).

``pecan.routing.find_object`` also calls ``_detect_custom_path_segments`` for
every controller on the path, and it lists ``dir(controller)`` each time even
when the controller's class was already scanned (when it does nothing else):
that look-up is skipped for a class already scanned.
"""
from __future__ import annotations

import collections
import threading
import weakref

import pecan.compat
import pecan.core
import pecan.decorators
import pecan.rest
import pecan.routing
import pecan.util

ArgSpec = collections.namedtuple('ArgSpec', 'args varargs keywords defaults')

_ORIGINAL = pecan.util.getargspec
_CACHE: 'weakref.WeakKeyDictionary' = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _compat_getargspec(func):
    """pecan.compat.getargspec without building a namedtuple class per call."""
    import inspect
    args, varargs, keywords, defaults = inspect.getfullargspec(func)[:4]
    return ArgSpec(args=args, varargs=varargs, keywords=keywords, defaults=defaults)


def getargspec(method):
    """``pecan.util.getargspec(method)``, computed once per underlying function."""
    func = getattr(method, '__func__', method)
    try:
        return _CACHE[func]
    except KeyError:
        pass
    except TypeError:   # not weak-referenceable: no caching
        return _ORIGINAL(method)
    spec = _ORIGINAL(method)
    with _LOCK:
        try:
            _CACHE[func] = spec
        except TypeError:
            pass
    return spec


_ORIGINAL_DETECT = pecan.routing._detect_custom_path_segments


def detect_custom_path_segments(obj):
    """``pecan.routing._detect_custom_path_segments``, a no-op for a class already scanned."""
    if obj.__class__ in pecan.routing.__observed_controllers__:
        return
    _ORIGINAL_DETECT(obj)


_installed = False


def install() -> None:
    """Route pecan's own look-ups through the cache (idempotent)."""
    global _installed
    if _installed:
        return
    pecan.compat.getargspec = _compat_getargspec
    # pecan.util imported the compat function under another name.
    pecan.util._getargspec = _compat_getargspec
    pecan.routing._detect_custom_path_segments = detect_custom_path_segments
    for module in (pecan.util, pecan.core, pecan.decorators, pecan.rest, pecan.routing):
        if getattr(module, 'getargspec', None) is _ORIGINAL:
            module.getargspec = getargspec
    _installed = True
