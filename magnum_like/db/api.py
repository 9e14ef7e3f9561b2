"""The database API the rest of the service imports (``from magnum_like.db import api as db``).

Functions take plain values and return SQLAlchemy model objects (``models.py``),
which are detached from their session and expose ``as_dict()``. Every write
happens in one transaction (oslo.db enginefacade): a failed call writes nothing.

Visibility rules (``context`` arguments): a context with ``all_tenants`` sees
every project; otherwise only ``context.project_id``'s rows, plus, for cluster
templates, public templates that are not hidden (admins also see hidden public
ones).

Listing functions share one contract: ``limit`` (``None`` = everything),
``marker`` (uuid of the previous page's last row; integer ``id`` for quotas and
services), ``sort_key`` (a column, default ``id``, ``id`` always appended as a
tie-breaker), ``sort_dir`` (``asc``/``desc``) and ``filters`` (column → value,
a list meaning "any of"). Each page is one query.
"""
from __future__ import annotations

import random
import time
from typing import Any

from oslo_db import exception as db_exc
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from magnum_like.common import exception
from magnum_like import conf
from magnum_like.db import models
from magnum_like.db import sqlalchemy_utils as utils

CONF = conf.CONF
LOG = logging.getLogger(__name__)

configure = utils.configure
reset_engine = utils.reset_engine
get_engine = utils.get_engine

_CT = models.ClusterTemplate
_SERVICE = models.MagnumService


# -- cluster templates ----------------------------------------------------------

def _visibility(context: Any) -> str:
    """Which templates ``context`` sees: ``all``, ``admin`` (its project's and every
    public one) or ``member`` (its project's and the public ones not hidden)."""
    if getattr(context, 'all_tenants', False):
        return 'all'
    return 'admin' if context.is_admin else 'member'


def _visible(visibility: str, project_id: Any) -> Any:
    """The filter of :func:`_visibility`'s kinds (``None`` for ``all``);
    ``project_id`` is a value or a bound parameter."""
    if visibility == 'all':
        return None
    public = _CT.public == sa.true()
    if visibility == 'member':
        public = sa.and_(public, sa.or_(_CT.hidden == sa.false(), _CT.hidden.is_(None)))
    return sa.or_(_CT.project_id == project_id, public)


def _template_query(session: Any, context: Any) -> Any:
    query = session.query(_CT)
    condition = _visible(_visibility(context), context.project_id)
    return query if condition is None else query.filter(condition)


def _template_not_found(ident: Any) -> Any:
    return lambda: exception.ClusterTemplateNotFound(clustertemplate=ident)


def get_cluster_template_list(context: Any, *, limit: int | None = None, marker: str | None = None,
                              sort_key: str | None = None, sort_dir: str | None = None,
                              filters: dict | None = None,
                              as_rows: bool = False) -> list[models.ClusterTemplate]:
    """The cluster templates the caller may see, one page of them.

    :param as_rows: read-only named-tuple rows of the columns (``row.uuid``,
        ``row._asdict()``) instead of model objects: cheaper for long pages.

    :raises InvalidSortKey: ``sort_key`` is not a column.
    :raises InvalidParameterValue: unknown marker or filter, bad ``sort_dir``/``limit``.
    """
    if as_rows and utils.is_first_page(limit=limit, marker=marker, filters=filters,
                                       sort_key=sort_key, sort_dir=sort_dir):
        # A first page in id order (what clients ask for): a statement built once.
        with utils.reader() as session:
            return session.connection().execute(
                _FIRST_TEMPLATE_PAGE[_visibility(context)],
                {'project_id': context.project_id, 'limit': limit}).all()
    with utils.reader() as session:
        query = utils.apply_filters(_template_query(session, context), _CT, filters)
        return utils.paginate(query, _CT, limit=limit, marker=marker, sort_key=sort_key,
                              sort_dir=sort_dir, as_rows=as_rows)


def get_cluster_template_by_id(context: Any, template_id: int) -> models.ClusterTemplate:
    """A visible template by integer id.

    :raises ClusterTemplateNotFound:
    """
    with utils.reader() as session:
        return utils.one_or_raise(_template_query(session, context).filter(_CT.id == template_id),
                                  _template_not_found(template_id))


def get_cluster_template_by_uuid(context: Any, uuid: str) -> models.ClusterTemplate:
    """A visible template by uuid.

    :raises ClusterTemplateNotFound:
    """
    with utils.reader() as session:
        return utils.one_or_raise(_template_query(session, context).filter(_CT.uuid == uuid),
                                  _template_not_found(uuid))


def _per_visibility(select: sa.Select) -> dict[str, sa.Select]:
    """``select`` limited to what each visibility of caller sees (:func:`_visible`),
    the project as the bound parameter ``:project_id``.

    Built once: the read routes' fast paths skip building an ORM query per call.
    """
    statements = {}
    for visibility in ('all', 'admin', 'member'):
        condition = _visible(visibility, sa.bindparam('project_id'))
        statements[visibility] = select if condition is None else select.where(condition)
    return statements


#: A template's columns by ``:uuid``.
_VISIBLE_TEMPLATE = _per_visibility(
    sa.select(*_CT.__table__.columns).where(_CT.uuid == sa.bindparam('uuid')))

#: The first ``:limit`` templates in id order: what :func:`get_cluster_template_list`
#: reads for a page without marker, filters or sort options.
_FIRST_TEMPLATE_PAGE = _per_visibility(
    sa.select(*_CT.__table__.columns).order_by(_CT.id.asc()).limit(
        sa.bindparam('limit', type_=sa.Integer)))


def get_cluster_template_row(context: Any, uuid: str) -> Any:
    """A visible template by uuid, as a read-only row of its columns.

    The same answer as :func:`get_cluster_template_by_uuid` (``row.public``,
    ``row._asdict()``) without building a model object: for read routes.

    :raises ClusterTemplateNotFound:
    """
    statement = _VISIBLE_TEMPLATE[_visibility(context)]
    with utils.reader() as session:
        row = session.connection().execute(
            statement, {'uuid': uuid, 'project_id': context.project_id}).first()
    if row is None:
        raise exception.ClusterTemplateNotFound(clustertemplate=uuid)
    return row


def get_cluster_template_by_name(context: Any, name: str) -> models.ClusterTemplate:
    """The one visible template named ``name``.

    :raises ClusterTemplateNotFound:
    :raises ConflictMultipleResources: several visible templates share the name.
    """
    with utils.reader() as session:
        return utils.one_by_name(_template_query(session, context), _CT, name,
                                 resource='cluster templates', not_found=_template_not_found(name))


def create_cluster_template(values: dict[str, Any]) -> models.ClusterTemplate:
    """Store a new template (``uuid`` generated when missing).

    :raises ClusterTemplateAlreadyExists: the uuid is taken.
    """
    return utils.create(_CT, values, already_exists=lambda v: exception.ClusterTemplateAlreadyExists(
        uuid=v['uuid']))


def _referenced(session: Any, uuid: str) -> bool:
    query = session.query(models.Cluster.id).filter(models.Cluster.cluster_template_id == uuid)
    return session.query(query.exists()).scalar()


def cluster_template_is_referenced(uuid: str) -> bool:
    """Whether any cluster was created from the template."""
    with utils.reader() as session:
        return _referenced(session, uuid)


def _allowed_while_referenced(changes: dict[str, Any]) -> bool:
    if len(changes) != 1:
        return False
    (key, value), = changes.items()
    return ((key == 'public' and value is True) or key in ('hidden', 'name')
            or (key == 'tags' and value is not None))


def update_cluster_template(uuid: str, values: dict[str, Any]) -> models.ClusterTemplate:
    """Change a template; a referenced one only accepts publishing, hiding, tags or a rename.

    The change set is the keys whose value differs; while a cluster references
    the template it must be exactly one of ``{public: True}``, ``{hidden: …}``,
    ``{tags: <non-null>}`` or ``{name: …}``.

    :raises ClusterTemplateNotFound:
    :raises ClusterTemplateReferenced: any other change to a referenced template.
    """
    with utils.writer() as session:
        template = utils.one_or_raise(
            session.query(_CT).filter(_CT.uuid == uuid).with_for_update(),
            _template_not_found(uuid))
        changes = {key: value for key, value in values.items()
                   if getattr(template, key, object()) != value}
        if (changes and not _allowed_while_referenced(changes)
                and _referenced(session, uuid)):
            raise exception.ClusterTemplateReferenced(clustertemplate=uuid)
        utils.set_values(template, changes)
        session.flush()
    return template


def destroy_cluster_template(uuid: str) -> None:
    """Delete a template no cluster references.

    :raises ClusterTemplateNotFound:
    :raises ClusterTemplateReferenced:
    """
    with utils.writer() as session:
        template = utils.one_or_raise(
            session.query(_CT).filter(_CT.uuid == uuid).with_for_update(),
            _template_not_found(uuid))
        if _referenced(session, uuid):
            raise exception.ClusterTemplateReferenced(clustertemplate=uuid)
        session.delete(template)


# -- magnum services -----------------------------------------------------------

_REPORT_ATTEMPTS = 10


def report_magnum_service(host: str, binary: str) -> models.MagnumService:
    """Record a heartbeat: create the (host, binary) row, or bump ``report_count``.

    The increment is done in SQL, so concurrent reporters never lose a count;
    two processes racing on the first insert make one row (the loser retries
    as an update).
    """
    for attempt in range(1, _REPORT_ATTEMPTS + 1):
        try:
            with utils.writer() as session:
                now = timeutils.utcnow()
                query = session.query(_SERVICE).filter(_SERVICE.host == host,
                                                       _SERVICE.binary == binary)
                changed = query.update({_SERVICE.report_count: _SERVICE.report_count + 1,
                                        _SERVICE.last_seen_up: now,
                                        _SERVICE.updated_at: now}, synchronize_session=False)
                if not changed:
                    session.add(_SERVICE(host=host, binary=binary, report_count=1,
                                         last_seen_up=now, disabled=False, forced_down=False))
                    session.flush()
                return query.populate_existing().one()
        except (db_exc.DBDuplicateEntry, db_exc.DBDeadlock) as error:
            if attempt == _REPORT_ATTEMPTS:
                raise
            LOG.debug('Retrying service report of %s/%s: %s', host, binary, error)
            time.sleep(random.uniform(0, 0.05 * attempt))
    raise AssertionError('unreachable')


def get_magnum_service_by_host_and_binary(host: str, binary: str) -> models.MagnumService | None:
    """The service row for (host, binary), or ``None``."""
    with utils.reader() as session:
        return session.query(_SERVICE).filter(_SERVICE.host == host,
                                              _SERVICE.binary == binary).one_or_none()


def get_magnum_service_list(*, disabled: bool | None = None, limit: int | None = None,
                            marker: int | None = None, sort_key: str | None = None,
                            sort_dir: str | None = None) -> list[models.MagnumService]:
    """Service rows, one page; ``marker`` is the last row's integer id."""
    with utils.reader() as session:
        query = session.query(_SERVICE)
        if disabled is not None:
            query = query.filter(_SERVICE.disabled == disabled)
        return utils.paginate(query, _SERVICE, limit=limit, marker=marker, sort_key=sort_key,
                              sort_dir=sort_dir, marker_column='id')


def _service_not_found(service_id: Any) -> Any:
    return lambda: exception.MagnumServiceNotFound(magnum_service_id=service_id)


def update_magnum_service(service_id: int, values: dict[str, Any]) -> models.MagnumService:
    """Change a service row (e.g. ``disabled``, ``forced_down``).

    :raises MagnumServiceNotFound:
    """
    return utils.update(_SERVICE, {'id': service_id}, values,
                        not_found=_service_not_found(service_id))


def destroy_magnum_service(service_id: int) -> None:
    """Delete a service row.

    :raises MagnumServiceNotFound:
    """
    utils.destroy(_SERVICE, {'id': service_id}, not_found=_service_not_found(service_id))


# The remaining resources live in sibling modules to keep this one readable
# (clusters in ``clusters``; node groups, quotas, key pairs and federations in
# ``resources``; spare trustee users in ``spares``); they are part of this API all
# the same.
from magnum_like.db.clusters import *  # noqa: E402,F401,F403
from magnum_like.db.resources import *  # noqa: E402,F401,F403
from magnum_like.db.spares import *  # noqa: E402,F401,F403
