#!/usr/bin/env bash
# Set up (Python packages and Debian's Chromium) and run every check: lint, format,
# the whole pytest suite (analytics, pages, browser), and the benchmark at a tiny scale.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
echo "== ruff check"
.venv/bin/ruff check .
echo "== ruff format --check"
.venv/bin/ruff format --check .
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
