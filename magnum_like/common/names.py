"""Names for objects created without one: ``<greek letter>-<1..24>-<kind>``."""
from __future__ import annotations

import random

GREEK = ('alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota',
         'kappa', 'lambda', 'mu', 'nu', 'xi', 'omicron', 'pi', 'rho', 'sigma', 'tau',
         'upsilon', 'phi', 'chi', 'psi', 'omega')


def generate(kind: str) -> str:
    """A readable random name such as ``theta-7-template`` (names need not be unique)."""
    return '%s-%d-%s' % (random.choice(GREEK), random.randint(1, 24), kind)
