#!/usr/bin/env bash
# Install magnum_like with its test dependencies into .venv and run the whole test suite.
# Needs MariaDB, PostgreSQL and RabbitMQ on 127.0.0.1 (see README.rst); extra pytest
# arguments are passed through, e.g. tools/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/pip install -q -c upper-constraints.txt -e '.[test,dashboard]'
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/python -m pytest "${@:-tests}"
