"""magnum_like: container infrastructure service speaking OpenStack Magnum's v1 API."""


def _choose_threading_backend() -> None:
    # oslo.messaging's server module pulls in oslo.service, whose default backend
    # is eventlet's. The service runs on threads only: choose the threading
    # backend before any import selects the default.
    try:
        from oslo_service import backend
        backend.init_backend(backend.BackendType.THREADING)
    except Exception:  # noqa: BLE001 - already chosen, or cotyledon missing: never used
        pass


_choose_threading_backend()
