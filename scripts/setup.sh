#!/usr/bin/env bash
# Create .venv and install the project with everything its tests need.
# torch comes first and pinned: an open range makes pip fetch a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[st,test,ocr,milvus]"
echo "installed into .venv" >&2
