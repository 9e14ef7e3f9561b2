"""The Quota resource of ``/v1/quotas`` (spec §3.6, §9.3)."""
from __future__ import annotations

from typing import Any

from wsme import types as wtypes

from magnum_like.api.types import base
from magnum_like.api.types import fields

#: The only resource quotas limit.
RESOURCES = ('Cluster',)


class Quota(base.APIBase):
    """A project's limit on one resource."""

    # Writable as in Magnum, though ignored on input: Horizon's magnum-ui sends
    # back the whole quota (id included) when it edits one.
    id = fields.IntegerType(minimum=1)
    project_id = wtypes.StringType(min_length=1, max_length=255)
    resource = wtypes.Enum(wtypes.text, *RESOURCES)
    hard_limit = fields.IntegerType(minimum=0, maximum=fields.INT_MAX)

    @classmethod
    def from_db(cls, row: Any) -> 'Quota':
        """The API view of a quota row."""
        return cls(**{k: v for k, v in row.as_dict().items() if k in cls._fields()})

    @classmethod
    def _fields(cls) -> list[str]:
        return [a.name for a in cls._wsme_attributes]


class QuotaCollection(base.Collection):
    """A page of quotas."""

    quotas = [Quota]
