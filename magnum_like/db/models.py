"""SQLAlchemy models: one class per table of the service.

Every table is InnoDB/utf8mb4 on MySQL, every unique constraint and index is
named, and JSON values are stored as Text, so the same schema (and the single
hand-written migration that creates it) compares cleanly on SQLite, MariaDB and
PostgreSQL.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

from oslo_db.sqlalchemy import models as oslo_models
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


class JSONEncoded(sa.types.TypeDecorator):
    """A JSON document stored as Text; ``None`` stays SQL NULL.

    :param python_type: ``dict`` or ``list``; other values are refused on write.
    """

    impl = sa.Text
    cache_ok = True

    def __init__(self, python_type: type, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.python_type_ = python_type

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, self.python_type_):
            raise TypeError('%s expected, got %s' % (self.python_type_.__name__,
                                                     type(value).__name__))
        return json.dumps(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        return json.loads(value)


def JSONDict() -> JSONEncoded:  # noqa: N802 - reads like a type in column definitions
    """A JSON-encoded dict column type."""
    return JSONEncoded(dict)


def JSONList() -> JSONEncoded:  # noqa: N802
    """A JSON-encoded list column type."""
    return JSONEncoded(list)


def _str(length: int = 255, **kwargs: Any) -> Any:
    return mapped_column(sa.String(length), **kwargs)


def DateTime() -> sa.types.TypeEngine:  # noqa: N802 - reads like a type in column definitions
    """A timestamp with microseconds on every backend.

    MySQL/MariaDB's plain ``DATETIME`` drops fractional seconds (a row read back
    differs from the one written); there it is ``DATETIME(6)``.
    """
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')


class Base(oslo_models.TimestampMixin, oslo_models.ModelBase, orm.DeclarativeBase):
    """Base of every model: timestamps, dict-style access and ``as_dict()``."""

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True,
                                    sort_order=-1)
    # oslo.db's TimestampMixin columns, with microseconds on MySQL/MariaDB too.
    created_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime(), default=lambda: timeutils.utcnow(), sort_order=1)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime(), onupdate=lambda: timeutils.utcnow(), sort_order=1)

    def as_dict(self) -> dict[str, Any]:
        """The row's column values, keyed by column name."""
        return {column.name: getattr(self, column.key)
                for column in self.__table__.columns}

    def __repr__(self) -> str:
        ident = getattr(self, 'uuid', None) or self.id
        return '<%s %s>' % (type(self).__name__, ident)


class ClusterTemplate(Base):
    """A reusable cluster definition (``/v1/clustertemplates``)."""

    __tablename__ = 'cluster_template'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_cluster_template0uuid'),
        # The list's visibility filter (project_id = :project OR public) uses both.
        sa.Index('ix_cluster_template_project_id', 'project_id'),
        sa.Index('ix_cluster_template_public', 'public'),
        TABLE_ARGS,
    )

    uuid: Mapped[str] = _str(36, nullable=False)
    project_id: Mapped[str | None] = _str()
    user_id: Mapped[str | None] = _str()
    name: Mapped[str | None] = _str()
    coe: Mapped[str | None] = _str()
    image_id: Mapped[str | None] = _str()
    flavor_id: Mapped[str | None] = _str()
    master_flavor_id: Mapped[str | None] = _str()
    keypair_id: Mapped[str | None] = _str()
    dns_nameserver: Mapped[str | None] = _str()
    external_network_id: Mapped[str | None] = _str()
    fixed_network: Mapped[str | None] = _str()
    fixed_subnet: Mapped[str | None] = _str()
    network_driver: Mapped[str | None] = _str()
    volume_driver: Mapped[str | None] = _str()
    apiserver_port: Mapped[int | None] = mapped_column(sa.Integer)
    docker_volume_size: Mapped[int | None] = mapped_column(sa.Integer)
    docker_storage_driver: Mapped[str | None] = _str()
    cluster_distro: Mapped[str | None] = _str()
    labels: Mapped[dict | None] = mapped_column(JSONDict())
    http_proxy: Mapped[str | None] = _str()
    https_proxy: Mapped[str | None] = _str()
    no_proxy: Mapped[str | None] = _str()
    registry_enabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    insecure_registry: Mapped[str | None] = _str()
    tls_disabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    public: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    hidden: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    server_type: Mapped[str | None] = _str()
    master_lb_enabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    floating_ip_enabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=True)
    tags: Mapped[str | None] = _str()
    driver: Mapped[str | None] = _str()


class Cluster(Base):
    """A cluster; node and master counts live on its node groups."""

    __tablename__ = 'cluster'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_cluster0uuid'),
        sa.Index('ix_cluster_status', 'status'),
        sa.Index('ix_cluster_project_id', 'project_id'),
        TABLE_ARGS,
    )

    uuid: Mapped[str] = _str(36, nullable=False)
    project_id: Mapped[str | None] = _str()
    user_id: Mapped[str | None] = _str()
    name: Mapped[str | None] = _str()
    cluster_template_id: Mapped[str | None] = _str()
    keypair: Mapped[str | None] = _str()
    docker_volume_size: Mapped[int | None] = mapped_column(sa.Integer)
    labels: Mapped[dict | None] = mapped_column(JSONDict())
    master_flavor_id: Mapped[str | None] = _str()
    flavor_id: Mapped[str | None] = _str()
    stack_id: Mapped[str | None] = _str()
    api_address: Mapped[str | None] = _str()
    node_addresses: Mapped[list | None] = mapped_column(JSONList())
    master_addresses: Mapped[list | None] = mapped_column(JSONList())
    status: Mapped[str | None] = _str()
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    health_status: Mapped[str | None] = _str()
    health_status_reason: Mapped[dict | None] = mapped_column(JSONDict())
    create_timeout: Mapped[int | None] = mapped_column(sa.Integer)
    discovery_url: Mapped[str | None] = _str()
    ca_cert_ref: Mapped[str | None] = _str(512)
    magnum_cert_ref: Mapped[str | None] = _str(512)
    etcd_ca_cert_ref: Mapped[str | None] = _str(512)
    front_proxy_ca_cert_ref: Mapped[str | None] = _str(512)
    # How many times the CAs were rotated (None: never); names what the cert
    # manager stores for the cluster (pki/certificates.py).
    ca_generation: Mapped[int | None] = mapped_column(sa.Integer)
    trust_id: Mapped[str | None] = _str()
    trustee_username: Mapped[str | None] = _str()
    trustee_user_id: Mapped[str | None] = _str()
    trustee_password: Mapped[str | None] = mapped_column(sa.Text)
    coe_version: Mapped[str | None] = _str()
    container_version: Mapped[str | None] = _str()
    #: Worker and master totals over the node groups, loaded only by the list query in
    #: the same statement as the row (a page never pairs a row with counts read after
    #: its delete committed); None elsewhere.
    listed_node_count: Mapped[int | None] = orm.query_expression()
    listed_master_count: Mapped[int | None] = orm.query_expression()
    fixed_network: Mapped[str | None] = _str()
    fixed_subnet: Mapped[str | None] = _str()
    floating_ip_enabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=True)
    master_lb_enabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    # Conductor bookkeeping: who holds the cluster, what it is doing, and by when.
    reservation: Mapped[str | None] = _str()
    operation: Mapped[str | None] = _str()
    operation_args: Mapped[dict | None] = mapped_column(JSONDict())
    deadline: Mapped[datetime.datetime | None] = mapped_column(DateTime())


class NodeGroup(Base):
    """A set of identically configured nodes of one cluster."""

    __tablename__ = 'nodegroup'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_nodegroup0uuid'),
        sa.UniqueConstraint('cluster_id', 'name', name='uniq_nodegroup0cluster_id0name'),
        TABLE_ARGS,
    )

    uuid: Mapped[str] = _str(36, nullable=False)
    name: Mapped[str] = _str(nullable=False)
    cluster_id: Mapped[str] = _str(nullable=False)
    project_id: Mapped[str | None] = _str()
    docker_volume_size: Mapped[int | None] = mapped_column(sa.Integer)
    labels: Mapped[dict | None] = mapped_column(JSONDict())
    flavor_id: Mapped[str | None] = _str()
    image_id: Mapped[str | None] = _str()
    node_addresses: Mapped[list | None] = mapped_column(JSONList())
    node_count: Mapped[int | None] = mapped_column(sa.Integer)
    max_node_count: Mapped[int | None] = mapped_column(sa.Integer)
    min_node_count: Mapped[int | None] = mapped_column(sa.Integer)
    role: Mapped[str | None] = _str()
    is_default: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    stack_id: Mapped[str | None] = _str()
    status: Mapped[str | None] = _str()
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[str | None] = _str(20)
    node_labels: Mapped[dict | None] = mapped_column(JSONDict())
    node_taints: Mapped[list | None] = mapped_column(JSONList())


class X509KeyPair(Base):
    """A certificate and its key, kept by the ``x509keypair`` cert manager."""

    __tablename__ = 'x509keypair'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_x509keypair0uuid'),
        TABLE_ARGS,
    )

    uuid: Mapped[str] = _str(36, nullable=False)
    certificate: Mapped[str | None] = mapped_column(sa.Text)
    private_key: Mapped[str | None] = mapped_column(sa.Text)
    private_key_passphrase: Mapped[str | None] = mapped_column(sa.Text)
    intermediates: Mapped[str | None] = mapped_column(sa.Text)
    project_id: Mapped[str | None] = _str()
    user_id: Mapped[str | None] = _str()


class Quota(Base):
    """A project's hard limit for one resource (only ``Cluster`` today)."""

    __tablename__ = 'quotas'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'resource', name='uniq_quotas0project_id0resource'),
        TABLE_ARGS,
    )

    project_id: Mapped[str] = _str(nullable=False)
    resource: Mapped[str] = _str(nullable=False)
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


class QuotaUsage(Base):
    """How much of a resource a project uses: the counter quota checks update atomically.

    Created on first use from the project's actual count; every cluster insert
    increments it and every cluster delete decrements it in the same
    transaction, so a conditional ``UPDATE ... WHERE in_use < limit`` is the
    whole quota check.
    """

    __tablename__ = 'quota_usages'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'resource',
                            name='uniq_quota_usages0project_id0resource'),
        TABLE_ARGS,
    )

    project_id: Mapped[str] = _str(nullable=False)
    resource: Mapped[str] = _str(nullable=False)
    in_use: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class Federation(Base):
    """A federation of clusters, deployed on its host cluster by a conductor (DESIGN §10)."""

    __tablename__ = 'federation'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_federation0uuid'),
        TABLE_ARGS,
    )

    uuid: Mapped[str] = _str(36, nullable=False)
    project_id: Mapped[str | None] = _str()
    name: Mapped[str | None] = _str()
    hostcluster_id: Mapped[str | None] = _str()
    member_ids: Mapped[list | None] = mapped_column(JSONList())
    status: Mapped[str | None] = _str()
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    properties: Mapped[dict | None] = mapped_column(JSONDict())
    # Conductor bookkeeping, as for clusters: who holds it, what it is doing, by when.
    reservation: Mapped[str | None] = _str()
    operation: Mapped[str | None] = _str()
    operation_args: Mapped[dict | None] = mapped_column(JSONDict())
    deadline: Mapped[datetime.datetime | None] = mapped_column(DateTime())


class MagnumService(Base):
    """A running service process (one row per host and binary) and its heartbeat."""

    __tablename__ = 'magnum_service'
    __table_args__ = (
        sa.UniqueConstraint('host', 'binary', name='uniq_magnum_service0host0binary'),
        TABLE_ARGS,
    )

    host: Mapped[str | None] = _str()
    binary: Mapped[str | None] = _str()
    disabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    disabled_reason: Mapped[str | None] = _str()
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column(DateTime())
    forced_down: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    report_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class TrusteeSpare(Base):
    """A ready trustee user in Keystone that no cluster has taken yet (``pki/spares.py``).

    The conductors make these ahead of time; a cluster create deletes one row
    (whoever deletes it owns the user) and renames the user to the cluster's
    trustee. ``password`` is Fernet-encrypted like ``cluster.trustee_password``.
    """

    __tablename__ = 'trustee_spares'
    __table_args__ = (
        sa.UniqueConstraint('user_id', name='uniq_trustee_spares0user_id'),
        TABLE_ARGS,
    )

    user_id: Mapped[str] = _str(nullable=False)
    domain_id: Mapped[str] = _str(nullable=False)
    password: Mapped[str] = mapped_column(sa.Text, nullable=False)
