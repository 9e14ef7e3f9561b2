"""``magnum-like-conductor``: run one conductor until SIGTERM or SIGINT."""
from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from oslo_log import log as logging

from magnum_like.common import config_check
from magnum_like.common import rpc
from magnum_like.common import service as ml_service
from magnum_like.conductor import service as conductor_service
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Start the conductor and block until it is told to stop.

    SIGTERM and SIGINT stop it gracefully (RPC methods in progress finish),
    and the process exits with 0.

    :param argv: the command line, program name first (default ``sys.argv``).
    :returns: the exit code (2: the configuration cannot work, see
        :mod:`magnum_like.common.config_check`).
    """
    ml_service.prepare_service(sys.argv if argv is None else argv)
    try:
        config_check.check_conductor(CONF)
    except config_check.ConfigurationError as error:
        return ml_service.refuse_to_start('magnum-like-conductor', error)
    rpc.init(CONF)
    stopping = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        LOG.info('Signal %s received, stopping', signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    conductor = conductor_service.ConductorService(conf=CONF)
    try:
        conductor.start()
        while not stopping.wait(1):
            pass
    finally:
        conductor.stop()
        rpc.cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())
