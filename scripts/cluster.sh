#!/usr/bin/env bash
# Start the scale-out set on this machine, without Docker: PostgreSQL (transcripts and queue),
# a Chroma server (vectors), llama.cpp's OpenAI-compatible server (the chat model) and N app
# processes sharing them. Ctrl-C stops everything. Logs go to data/cluster/logs/.
# Usage: scripts/cluster.sh [APPS] [FIRST_PORT]     e.g. scripts/cluster.sh 3 7861
# Put a load balancer in front of the app ports (deploy/nginx.conf; the Gradio pages need
# sticky sessions, the /api routes do not).
set -euo pipefail
cd "$(dirname "$0")/.."
apps="${1:-2}"
first_port="${2:-7861}"
bash scripts/setup.sh "${COMPANION_EXTRAS:-model-1-5b}"
.venv/bin/companion models install
state=data/cluster
mkdir -p "$state/logs"
secret_file="$state/secrets.env"
if [ ! -f "$secret_file" ]; then  # made once; every process of the site must share these
    umask 077
    printf 'COMPANION_OPENAI_API_KEY=%s\nCOMPANION_SESSION_SECRET=%s\n' \
        "$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" \
        > "$secret_file"
fi
set -a; . "$secret_file"; set +a
export COMPANION_DATABASE_URL="${COMPANION_DATABASE_URL:-$(bash scripts/postgres.sh start "$PWD/$state/postgres" 54330)}"
export COMPANION_CHROMA_URL="${COMPANION_CHROMA_URL:-http://127.0.0.1:8000}"
export COMPANION_OPENAI_BASE_URL="${COMPANION_OPENAI_BASE_URL:-http://127.0.0.1:8081/v1}"

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
wait_for() {  # URL, what
    for _ in $(seq 1 240); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done
    echo "$2 did not come up; see $state/logs" >&2; exit 1
}
if [[ "$COMPANION_CHROMA_URL" == http://127.0.0.1:8000 ]]; then
    .venv/bin/chroma run --path "$state/chroma" --host 127.0.0.1 --port 8000 > "$state/logs/chroma.log" 2>&1 &
    pids+=($!)
    wait_for http://127.0.0.1:8000/api/v2/heartbeat "the Chroma server"
fi
if [[ "$COMPANION_OPENAI_BASE_URL" == http://127.0.0.1:8081/v1 ]]; then
    ( unset COMPANION_OPENAI_BASE_URL; exec .venv/bin/companion llm-server --port 8081 --parallel "${LLM_PARALLEL:-4}" ) \
        > "$state/logs/llm.log" 2>&1 &
    pids+=($!)
    wait_for http://127.0.0.1:8081/health "the llama.cpp server"
fi
.venv/bin/companion db upgrade
.venv/bin/companion ingest
for i in $(seq 0 $((apps - 1))); do
    port=$((first_port + i))
    .venv/bin/python app.py --port "$port" > "$state/logs/app-$port.log" 2>&1 &
    pids+=($!)
done
for i in $(seq 0 $((apps - 1))); do wait_for "http://127.0.0.1:$((first_port + i))/login" "app process $i"; done
echo "Companion: $apps app processes on ports $first_port..$((first_port + apps - 1)); PostgreSQL, Chroma and llama.cpp shared."
echo "Ctrl-C stops them all."
wait -n "${pids[@]}"
