#!/usr/bin/env bash
# Install the project into .venv: torch 2.13.0 (CPU wheel) first, then every pinned dependency,
# then this package. Offline-safe once the wheels are cached; idempotent.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -c "import specmlm, torch, transformers, snakemake; print('specmlm', specmlm.__version__, 'torch', torch.__version__, 'transformers', transformers.__version__)"
