"""magnum_like: container infrastructure service speaking OpenStack Magnum's v1 API."""


def _threading() -> object:
    from oslo_service import backend
    return backend.BackendType.THREADING


def _choose_threading_backend() -> None:
    # oslo.messaging's server module pulls in oslo.service, whose default backend
    # is eventlet's. The service runs on threads only: make threading the backend
    # oslo.service picks when it is first asked for one. Registered as its default
    # hook, not loaded here: loading imports futurist and with it eventlet (a
    # deprecation warning and a fifth of a second), and the package is also
    # imported by the ``openstack coe federation`` client plugin on every command.
    try:
        from oslo_service import backend
        backend.register_backend_default_hook(_threading)
    except Exception:  # noqa: BLE001 - an oslo.service without hooks: never used here
        pass


_choose_threading_backend()
