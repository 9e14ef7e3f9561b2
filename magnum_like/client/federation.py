"""``openstack coe federation create / list / show / join / unjoin / delete``.

Operations are asynchronous (the API answers 202): create, join and unjoin
show the federation as it is right after the request was accepted (status
``*_IN_PROGRESS``); ``show`` it again to see the end.
"""
from __future__ import annotations

from typing import Any

from osc_lib.command import command

#: What ``show`` and ``create`` print, in order.
FIELDS = ('uuid', 'name', 'hostcluster_id', 'member_ids', 'status', 'status_reason',
          'properties', 'created_at', 'updated_at')
LIST_FIELDS = ('uuid', 'name', 'hostcluster_id', 'member_ids', 'status')
#: The DNS zone when ``--dns-zone`` is not given (the API requires one).
DEFAULT_DNS_ZONE = 'example.com.'


def _client(cmd: Any) -> Any:
    return cmd.app.client_manager.container_infra_federation


def _show(doc: dict) -> tuple:
    return FIELDS, tuple(doc.get(field) for field in FIELDS)


class CreateFederation(command.ShowOne):
    """Create a federation hosted by a cluster."""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Name of the federation.')
        parser.add_argument('--host-cluster', required=True, metavar='<cluster>',
                            help='The cluster (name or uuid) that hosts the federation '
                                 'control plane.')
        parser.add_argument('--member', dest='members', action='append', default=[],
                            metavar='<cluster>', help='A member cluster (repeatable).')
        parser.add_argument('--dns-zone', default=DEFAULT_DNS_ZONE, metavar='<zone>',
                            help='DNS zone of the federation (default %s).' % DEFAULT_DNS_ZONE)
        return parser

    def take_action(self, args: Any) -> tuple:
        client = _client(self)
        uuid = client.create({'name': args.name, 'hostcluster_id': args.host_cluster,
                              'member_ids': args.members,
                              'properties': {'dns-zone': args.dns_zone}})
        return _show(client.get(uuid))


class ListFederations(command.Lister):
    """List federations."""

    def take_action(self, args: Any) -> tuple:
        rows = _client(self).list()
        return LIST_FIELDS, [tuple(row.get(f) for f in LIST_FIELDS) for row in rows]


class ShowFederation(command.ShowOne):
    """Show a federation."""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument('federation', metavar='<federation>', help='Name or uuid.')
        return parser

    def take_action(self, args: Any) -> tuple:
        return _show(_client(self).get(args.federation))


class _Membership(command.ShowOne):
    op = ''

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument('federation', metavar='<federation>', help='Name or uuid.')
        parser.add_argument('clusters', metavar='<cluster>', nargs='+',
                            help='Clusters (names or uuids).')
        return parser

    def take_action(self, args: Any) -> tuple:
        client = _client(self)
        ops = [{'op': self.op, 'path': '/member_ids', 'value': c} for c in args.clusters]
        uuid = client.patch(args.federation, ops)
        return _show(client.get(uuid))


class JoinFederation(_Membership):
    """Make clusters join a federation."""

    op = 'add'


class UnjoinFederation(_Membership):
    """Make clusters leave a federation."""

    op = 'remove'


class DeleteFederation(command.Command):
    """Delete federations (their clusters stay)."""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument('federations', metavar='<federation>', nargs='+',
                            help='Names or uuids.')
        return parser

    def take_action(self, args: Any) -> None:
        client = _client(self)
        for ident in args.federations:
            client.delete(ident)
            print('Request to delete federation %s has been accepted.' % ident)
