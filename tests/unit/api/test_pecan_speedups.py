"""The pecan argument-spec cache (``api/pecan_speedups.py``) is pinned to pecan.

The cache replaces module attributes of pecan (``getargspec`` in the modules
that route a request, ``pecan.util._getargspec``) and leaves any it does not
recognise alone, so a pecan release that renames or moves them would turn the
speed-up off silently, or a changed ``ArgSpec`` shape would break routing.
These tests fail in either case.
"""
from __future__ import annotations

import subprocess
import sys

import pecan
import pecan.compat
import pecan.core
import pecan.decorators
import pecan.rest
import pecan.routing
import pecan.util
import webtest

from magnum_like.api import pecan_speedups

ROUTING_MODULES = (pecan.util, pecan.core, pecan.decorators, pecan.rest, pecan.routing)


def test_pecan_still_has_what_the_cache_replaces():
    """In a fresh interpreter (nothing installed yet): every routing module
    looks argument specs up through ``pecan.util.getargspec``, which wraps
    ``pecan.compat.getargspec`` imported as ``pecan.util._getargspec``."""
    code = '\n'.join([
        'import pecan.compat, pecan.core, pecan.decorators, pecan.rest, pecan.routing',
        'import pecan.util',
        'original = pecan.util.getargspec',
        'for module in (pecan.core, pecan.decorators, pecan.rest, pecan.routing):',
        '    assert module.getargspec is original, module.__name__',
        'assert pecan.util._getargspec is pecan.compat.getargspec',
        'import inspect',
        'assert list(inspect.signature(original).parameters) == ["method"]',
    ])
    _in_a_fresh_interpreter(code)


def _in_a_fresh_interpreter(code: str) -> None:
    """Run ``code`` where nothing of this project patched pecan; it must succeed."""
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_install_routes_every_lookup_through_the_cache():
    pecan_speedups.install()
    for module in ROUTING_MODULES:
        assert module.getargspec is pecan_speedups.getargspec, module.__name__
    assert pecan.compat.getargspec is pecan_speedups._compat_getargspec
    assert pecan.util._getargspec is pecan_speedups._compat_getargspec


def test_cached_spec_equals_pecans_own():
    """The cache answers what pecan would (fields pecan reads: args, varargs,
    keywords, defaults), for functions, bound methods and decorated ones."""
    class Controller:
        def get_all(self, marker=None, limit=None, *rest, **kwargs):
            pass

        @pecan.expose()
        def get_one(self, ident):
            pass

    controller = Controller()
    for method in (controller.get_all, controller.get_one, Controller.get_all):
        ours = pecan_speedups.getargspec(method)
        theirs = pecan_speedups._ORIGINAL(method)
        assert (ours.args, ours.varargs, ours.keywords, ours.defaults) == (
            theirs.args, theirs.varargs, theirs.keywords, theirs.defaults)
        assert pecan_speedups.getargspec(method) is ours   # cached


class _Things(pecan.rest.RestController):
    @pecan.expose('json')
    def get_one(self, ident):
        return {'ident': ident}


class _Root:
    things = _Things()

    @pecan.expose('json')
    def index(self):
        return {}


def test_a_real_pecan_app_routes_through_the_cache():
    pecan_speedups.install()
    pecan_speedups._CACHE.clear()
    app = webtest.TestApp(pecan.make_app(_Root()))
    assert app.get('/things/abc').json == {'ident': 'abc'}
    # pecan looked the controllers' specs up through the cache.
    assert _Things.get_one in pecan_speedups._CACHE


def test_pecan_still_scans_each_controller_class_once():
    """What the custom-route shortcut relies on: pecan's routing calls
    ``_detect_custom_path_segments`` through the module global, and records a
    scanned class in ``__observed_controllers__`` (a fresh interpreter)."""
    code = '\n'.join([
        'import inspect, pecan.routing',
        'assert "_detect_custom_path_segments(obj)" in inspect.getsource(pecan.routing.find_object)',
        'class C: pass',
        'pecan.routing._detect_custom_path_segments(C())',
        'assert C in pecan.routing.__observed_controllers__',
    ])
    _in_a_fresh_interpreter(code)


class _Custom:
    @pecan.expose('json', route='with-dash')
    def dashed(self):
        return {'route': 'custom'}

    @pecan.expose('json')
    def other(self):
        return {'route': 'plain'}


class _CustomRoot:
    custom = _Custom()


def test_custom_routes_still_found_after_the_first_scan():
    """A custom path segment (``route=``) is found on the first request and on
    every later one, when the shortcut skips the scan."""
    pecan_speedups.install()
    assert pecan.routing._detect_custom_path_segments is pecan_speedups.detect_custom_path_segments
    app = webtest.TestApp(pecan.make_app(_CustomRoot()))
    for _ in range(3):
        assert app.get('/custom/with-dash').json == {'route': 'custom'}
        assert app.get('/custom/other').json == {'route': 'plain'}
        app.get('/custom/dashed', status=404)   # only by its custom segment
    assert _Custom in pecan.routing.__observed_controllers__
