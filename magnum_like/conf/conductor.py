"""[conductor] options."""
from oslo_config import cfg

GROUP = 'conductor'

opts = [
    cfg.StrOpt('topic', default='magnum-like-conductor',
               help='oslo.messaging topic the conductors listen on. On RabbitMQ the '
                    'conductors consume from the queues <topic> (shared), <topic>.<host> '
                    'and <topic>_fanout_<id>, bound to the control_exchange.'),
    cfg.IntOpt('heartbeat_interval', default=10, min=1,
               help='Seconds between a conductor\'s heartbeats in magnum_service.'),
    cfg.IntOpt('service_down_time', default=180, min=1,
               help='Seconds without a heartbeat after which a conductor is reported down.'),
    cfg.FloatOpt('node_state_timeout', default=3.0, min=0.1,
                 help='Seconds to wait for a running cluster\'s state (e.g. a Mesos '
                      'master\'s agents) when choosing which nodes a scale-down removes.'),
    cfg.IntOpt('workers', default=8, min=1,
               help='Operations one conductor starts at once (casts beyond that wait, '
                    'holding nothing, and none starts while a completion is pending); '
                    'also the threads of the reconcile pass.'),
    cfg.FloatOpt('sync_interval', default=10.0, min=0.1,
                 help='Seconds between two tracking passes: one Heat stack list (across '
                      'projects, see heat_global_list) over the in-progress clusters this '
                      'conductor owns on the hash ring, deadline checks and the reconcile '
                      'of lost casts.'),
    cfg.BoolOpt('heat_global_list', default=True,
                help='Track with one Heat stack list per pass across all projects '
                     '(global_tenant=True, filtered by the service\'s stack tag). Heat '
                     'honours it only for a caller its policy allows (admin, or the '
                     'service user given the right role); a refused global list falls '
                     'back to one list per project for that pass. false: always one list '
                     'per project that has clusters in progress.'),
    cfg.IntOpt('event_workers', default=4, min=1,
               help='Threads that turn Heat notifications (and completions found by '
                    'polling) into cluster statuses; separate from the threads that start '
                    'new operations, and no operation starts while a completion is '
                    'pending, so a burst of creates never queues a status behind it.'),
    cfg.IntOpt('keygen_processes', default=2, min=0,
               help='Processes that generate the private keys of cluster CAs and client '
                    'certificates (RSA generation holds the GIL for tens of '
                    'milliseconds per key). 0: generate in the conductor process.'),
    cfg.IntOpt('keygen_pool_size', default=8, min=0,
               help='Private keys of the configured [x509] type and size kept '
                    'pre-generated (in memory only) so a create does not wait for them; '
                    'refilled in the background by the keygen processes. 0: none kept.'),
    cfg.FloatOpt('lb_cleanup_timeout', default=300.0, min=0,
                 help='Seconds a delete waits for the Octavia load balancers the '
                      'cluster\'s cloud provider made (see the driver\'s '
                      'resources_to_clean) to be gone before it deletes the stack; after '
                      'that the delete is retried by the reconcile pass.'),
    cfg.FloatOpt('reconcile_grace', default=30.0, min=0,
                 help='Seconds an accepted operation may wait for its RPC cast before the '
                      'reconcile pass of its ring owner carries it out anyway.'),
    cfg.IntOpt('operation_timeout', default=60, min=1,
               help='Minutes an operation on an existing cluster (update, resize, '
                    'upgrade, node-group create/delete, CA or credential rotation, delete) '
                    'may take before it ends *_FAILED; also the Heat timeout of the stack '
                    'updates it makes. A cluster create uses the cluster\'s create_timeout.'),
    cfg.IntOpt('heat_retries', default=4, min=0,
               help='Retries of a Heat call that failed with a 5xx or a connection error.'),
    cfg.FloatOpt('heat_retry_delay', default=0.5, min=0,
                 help='Seconds before the first retry of a Heat call (doubled each time).'),
    cfg.BoolOpt('heat_notifications', default=True,
                help='Listen to Heat\'s orchestration.stack.*.end/error notifications to '
                     'finish operations within about a second (polling stays the safety net).'),
    cfg.StrOpt('heat_notifications_url', secret=True,
               help='oslo.messaging URL Heat notifies on (default: transport_url).'),
    cfg.StrOpt('heat_notifications_topic', default='notifications',
               help='Topic of Heat\'s notifications (Heat\'s [oslo_messaging_notifications] '
                    'topics; the simulator\'s --notify-topic, same default).'),
    cfg.StrOpt('heat_notifications_exchange', default='heat',
               help='Control exchange of Heat\'s notifications (Heat\'s control_exchange; '
                    'the simulator\'s --notify-exchange, same default).'),
    cfg.StrOpt('heat_notifications_pool', default='magnum-like-conductor-heat-notifications',
               help='Listener pool, so the conductors share Heat\'s notifications without '
                    'taking them from other consumers of the topic. On RabbitMQ the pool is '
                    'the name of the queue the conductors consume Heat\'s notifications '
                    'from, so it must differ from [conductor] topic and <topic>.<host>: a '
                    'conductor refuses to start when they clash.'),
    cfg.FloatOpt('health_check_interval', default=60.0, min=0.5, max=3600.0,
                 help='Seconds between two health passes: each conductor checks the API and '
                      'the nodes of the complete clusters it owns on the hash ring; 0.5 to '
                      '3600.'),
    cfg.IntOpt('health_check_workers', default=8, min=1, max=64,
               help='Clusters one conductor checks at once (threads of the health pass).'),
    cfg.FloatOpt('health_check_timeout', default=5.0, min=0.5, max=60.0,
                 help='Seconds one request to a cluster\'s API may take (connect and read) '
                      'before the cluster is reported UNKNOWN.'),
    cfg.BoolOpt('health_check_private_addresses', default=False,
                help='Also connect to clusters whose API address is a private one (RFC 1918, '
                     'link-local: no floating IP). Off: such clusters are UNKNOWN without a '
                     'connection attempt; turn on where the conductors share a network with '
                     'the clusters.'),
    cfg.FloatOpt('max_unhealthy_share', default=0.34, min=0.0, max=1.0,
                 help='Auto-healing replaces NotReady workers only while they are at most '
                      'this share of a node group\'s workers; with more, it reports them '
                      'and changes nothing (a network problem is not fixed by new servers).'),

]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
