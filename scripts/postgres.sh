#!/usr/bin/env bash
# Start (or restart) a throw-away PostgreSQL server on loopback for tests and benchmarks, and
# print its SQLAlchemy URL. Needs Debian's postgresql package; nothing listens beyond 127.0.0.1.
# Usage: scripts/postgres.sh [start|restart|stop] [DIR] [PORT]
set -euo pipefail
action="${1:-start}"
dir="${2:-/tmp/companion-pg}"
port="${3:-54329}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed: apt-get install postgresql" >&2
    exit 1
fi
# The server refuses to run as root: run it as the postgres user the package created.
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    run "'$bin/initdb' -D '$dir' -A trust -U companion --no-sync" >/dev/null
fi
opts="-k '$dir' -h 127.0.0.1 -p $port -F -c max_connections=200"
case "$action" in
    start)
        if ! run "'$bin/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
            run "'$bin/pg_ctl' -D '$dir' -l '$dir/log' -o \"$opts\" -w start" >/dev/null
        fi ;;
    restart) run "'$bin/pg_ctl' -D '$dir' -l '$dir/log' -o \"$opts\" -m fast -w restart" >/dev/null ;;
    stop) run "'$bin/pg_ctl' -D '$dir' -m fast -w stop" >/dev/null; exit 0 ;;
    *) echo "usage: $0 [start|restart|stop] [DIR] [PORT]" >&2; exit 2 ;;
esac
echo "postgresql+psycopg://companion@127.0.0.1:$port/postgres"
