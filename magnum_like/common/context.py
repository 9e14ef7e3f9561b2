"""The request context: who is calling, from which project, and with what scope."""
from __future__ import annotations

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's context plus ``all_tenants`` (an admin listing every project).

    :param all_tenants: queries ignore the project filter.
    """

    def __init__(self, *, all_tenants: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.all_tenants = all_tenants

    def to_dict(self) -> dict:
        values = super().to_dict()
        values['all_tenants'] = self.all_tenants
        return values

    @classmethod
    def from_dict(cls, values: dict, **kwargs) -> 'RequestContext':
        kwargs.setdefault('all_tenants', values.get('all_tenants', False))
        return super().from_dict(values, **kwargs)


def make_context(**kwargs) -> RequestContext:
    """A new request context."""
    return RequestContext(**kwargs)


def get_admin_context(*, all_tenants: bool = True) -> RequestContext:
    """A context for the service's own work (periodic tasks, conductors)."""
    return RequestContext(is_admin=True, all_tenants=all_tenants, overwrite=False)
