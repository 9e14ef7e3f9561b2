"""The request context: who is calling, from which project, and with what scope."""
from __future__ import annotations

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's context plus ``all_tenants`` (an admin listing every project)
    and ``cluster_user`` (the caller is a cluster's trustee).

    :param all_tenants: queries ignore the project filter.
    :param cluster_user: the caller's user id when it is a user of the trustee
        domain (a cluster's nodes): queries then see only the clusters whose
        ``trustee_user_id`` it is, and nothing else (``db.sqlalchemy_utils.project_filter``).
    """

    def __init__(self, *, all_tenants: bool = False, cluster_user: str | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.all_tenants = all_tenants
        self.cluster_user = cluster_user

    def to_dict(self) -> dict:
        values = super().to_dict()
        values['all_tenants'] = self.all_tenants
        values['cluster_user'] = self.cluster_user
        return values

    @classmethod
    def from_dict(cls, values: dict, **kwargs) -> 'RequestContext':
        kwargs.setdefault('all_tenants', values.get('all_tenants', False))
        kwargs.setdefault('cluster_user', values.get('cluster_user'))
        return super().from_dict(values, **kwargs)


def make_context(**kwargs) -> RequestContext:
    """A new request context."""
    return RequestContext(**kwargs)


def get_admin_context(*, all_tenants: bool = True) -> RequestContext:
    """A context for the service's own work (periodic tasks, conductors)."""
    return RequestContext(is_admin=True, all_tenants=all_tenants, overwrite=False)
