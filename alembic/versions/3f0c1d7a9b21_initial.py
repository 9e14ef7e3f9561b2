"""Initial schema: every table of the service.

Revision ID: 3f0c1d7a9b21
Revises:
Create Date: 2025-11-22

Written by hand to match ``magnum_like.db.models`` exactly; the functional
drift test compares the two on SQLite, MariaDB and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa

revision = '3f0c1d7a9b21'
down_revision = None
branch_labels = None
depends_on = None

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _s(name: str, length: int = 255, **kwargs) -> sa.Column:
    return sa.Column(name, sa.String(length), **kwargs)


def _common() -> list[sa.Column]:
    return [sa.Column('id', sa.Integer, primary_key=True, autoincrement=True)]


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime), sa.Column('updated_at', sa.DateTime)]


def upgrade() -> None:
    op.create_table(
        'cluster_template', *_common(),
        _s('uuid', 36, nullable=False),
        _s('project_id'), _s('user_id'), _s('name'), _s('coe'), _s('image_id'),
        _s('flavor_id'), _s('master_flavor_id'), _s('keypair_id'), _s('dns_nameserver'),
        _s('external_network_id'), _s('fixed_network'), _s('fixed_subnet'),
        _s('network_driver'), _s('volume_driver'),
        sa.Column('apiserver_port', sa.Integer),
        sa.Column('docker_volume_size', sa.Integer),
        _s('docker_storage_driver'), _s('cluster_distro'),
        sa.Column('labels', sa.Text),
        _s('http_proxy'), _s('https_proxy'), _s('no_proxy'),
        sa.Column('registry_enabled', sa.Boolean),
        _s('insecure_registry'),
        sa.Column('tls_disabled', sa.Boolean),
        sa.Column('public', sa.Boolean),
        sa.Column('hidden', sa.Boolean),
        _s('server_type'),
        sa.Column('master_lb_enabled', sa.Boolean),
        sa.Column('floating_ip_enabled', sa.Boolean),
        _s('tags'), _s('driver'),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_cluster_template0uuid'),
        **TABLE_ARGS,
    )
    op.create_table(
        'cluster', *_common(),
        _s('uuid', 36, nullable=False),
        _s('project_id'), _s('user_id'), _s('name'), _s('cluster_template_id'), _s('keypair'),
        sa.Column('docker_volume_size', sa.Integer),
        sa.Column('labels', sa.Text),
        _s('master_flavor_id'), _s('flavor_id'), _s('stack_id'), _s('api_address'),
        sa.Column('node_addresses', sa.Text),
        sa.Column('master_addresses', sa.Text),
        _s('status'),
        sa.Column('status_reason', sa.Text),
        _s('health_status'),
        sa.Column('health_status_reason', sa.Text),
        sa.Column('create_timeout', sa.Integer),
        _s('discovery_url'),
        _s('ca_cert_ref', 512), _s('magnum_cert_ref', 512), _s('etcd_ca_cert_ref', 512),
        _s('front_proxy_ca_cert_ref', 512),
        _s('trust_id'), _s('trustee_username'), _s('trustee_user_id'),
        sa.Column('trustee_password', sa.Text),
        _s('coe_version'), _s('container_version'), _s('fixed_network'), _s('fixed_subnet'),
        sa.Column('floating_ip_enabled', sa.Boolean),
        sa.Column('master_lb_enabled', sa.Boolean),
        _s('reservation'), _s('operation'),
        sa.Column('operation_args', sa.Text),
        sa.Column('deadline', sa.DateTime),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_cluster0uuid'),
        **TABLE_ARGS,
    )
    op.create_index('ix_cluster_status', 'cluster', ['status'])
    op.create_index('ix_cluster_project_id', 'cluster', ['project_id'])
    op.create_table(
        'nodegroup', *_common(),
        _s('uuid', 36, nullable=False),
        _s('name', nullable=False),
        _s('cluster_id', nullable=False),
        _s('project_id'),
        sa.Column('docker_volume_size', sa.Integer),
        sa.Column('labels', sa.Text),
        _s('flavor_id'), _s('image_id'),
        sa.Column('node_addresses', sa.Text),
        sa.Column('node_count', sa.Integer),
        sa.Column('max_node_count', sa.Integer),
        sa.Column('min_node_count', sa.Integer),
        _s('role'),
        sa.Column('is_default', sa.Boolean),
        _s('stack_id'), _s('status'),
        sa.Column('status_reason', sa.Text),
        _s('version', 20),
        sa.Column('node_labels', sa.Text),
        sa.Column('node_taints', sa.Text),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_nodegroup0uuid'),
        sa.UniqueConstraint('cluster_id', 'name', name='uniq_nodegroup0cluster_id0name'),
        **TABLE_ARGS,
    )
    op.create_table(
        'x509keypair', *_common(),
        _s('uuid', 36, nullable=False),
        sa.Column('certificate', sa.Text),
        sa.Column('private_key', sa.Text),
        sa.Column('private_key_passphrase', sa.Text),
        sa.Column('intermediates', sa.Text),
        _s('project_id'), _s('user_id'),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_x509keypair0uuid'),
        **TABLE_ARGS,
    )
    op.create_table(
        'quotas', *_common(),
        _s('project_id', nullable=False),
        _s('resource', nullable=False),
        sa.Column('hard_limit', sa.Integer),
        *_timestamps(),
        sa.UniqueConstraint('project_id', 'resource', name='uniq_quotas0project_id0resource'),
        **TABLE_ARGS,
    )
    op.create_table(
        'federation', *_common(),
        _s('uuid', 36, nullable=False),
        _s('project_id'), _s('name'), _s('hostcluster_id'),
        sa.Column('member_ids', sa.Text),
        _s('status'),
        sa.Column('status_reason', sa.Text),
        sa.Column('properties', sa.Text),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_federation0uuid'),
        **TABLE_ARGS,
    )
    op.create_table(
        'magnum_service', *_common(),
        _s('host'), _s('binary'),
        sa.Column('disabled', sa.Boolean),
        _s('disabled_reason'),
        sa.Column('last_seen_up', sa.DateTime),
        sa.Column('forced_down', sa.Boolean),
        sa.Column('report_count', sa.Integer, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('host', 'binary', name='uniq_magnum_service0host0binary'),
        **TABLE_ARGS,
    )
