"""DB API for spare trustee users (``trustee_spares``; see ``magnum_like.pki.spares``).

Re-exported by ``magnum_like.db.api``; import that module, not this one.

A spare belongs to whoever deletes its row: :func:`claim_trustee_spare` is a
conditional ``DELETE`` of one row whose row count decides, so two API workers
(or an API and a conductor trimming the pool) never both get the same user.
That holds on SQLite, MariaDB and PostgreSQL alike, without table locks.
"""
from __future__ import annotations

import random

from magnum_like.db import models
from magnum_like.db import sqlalchemy_utils as utils

__all__ = [
    'create_trustee_spare', 'get_trustee_spare_list', 'count_trustee_spares',
    'claim_trustee_spare', 'delete_trustee_spare', 'get_trustee_spare_user_ids',
]

_SPARE = models.TrusteeSpare
#: Rows a claim reads to pick from, and so the most deletes it tries: concurrent
#: claimers pick at random among the oldest few rather than all racing for one.
CLAIM_CANDIDATES = 8


def create_trustee_spare(user_id: str, domain_id: str, password: str) -> models.TrusteeSpare:
    """Record a ready spare user (``password`` already encrypted).

    :raises oslo_db.exception.DBDuplicateEntry: the user has a row already.
    """
    obj = _SPARE(user_id=user_id, domain_id=domain_id, password=password)
    with utils.writer() as session:
        session.add(obj)
        session.flush()
    return obj


def get_trustee_spare_list(*, limit: int | None = None) -> list[models.TrusteeSpare]:
    """Spare rows, oldest first (at most ``limit``)."""
    with utils.reader() as session:
        query = session.query(_SPARE).order_by(_SPARE.id)
        if limit is not None:
            query = query.limit(limit)
        return query.all()


def count_trustee_spares(domain_id: str | None = None) -> int:
    """How many spare rows there are (in ``domain_id`` when given)."""
    with utils.reader() as session:
        query = session.query(_SPARE)
        if domain_id is not None:
            query = query.filter(_SPARE.domain_id == domain_id)
        return query.count()


def get_trustee_spare_user_ids(user_ids: list[str]) -> set[str]:
    """Which of ``user_ids`` have a spare row."""
    if not user_ids:
        return set()
    found: set[str] = set()
    with utils.reader() as session:
        for start in range(0, len(user_ids), 500):  # bounded IN lists
            chunk = user_ids[start:start + 500]
            found.update(user_id for (user_id,) in session.query(_SPARE.user_id).filter(
                _SPARE.user_id.in_(chunk)))
    return found


def delete_trustee_spare(spare_id: int) -> bool:
    """Delete one spare row; whether this call deleted it (and so owns its user)."""
    with utils.writer() as session:
        return session.query(_SPARE).filter(_SPARE.id == spare_id).delete(
            synchronize_session=False) == 1


def claim_trustee_spare(domain_id: str) -> models.TrusteeSpare | None:
    """Take one spare of ``domain_id`` for good: its row is deleted by this call.

    :returns: the deleted row (detached; the caller owns its user from now on),
        or ``None`` when there is none left to take.
    """
    with utils.reader() as session:
        candidates = session.query(_SPARE).filter(_SPARE.domain_id == domain_id).order_by(
            _SPARE.id).limit(CLAIM_CANDIDATES).all()
    random.shuffle(candidates)
    for row in candidates:
        if delete_trustee_spare(row.id):
            return row
    return None
