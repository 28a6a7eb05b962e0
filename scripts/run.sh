#!/usr/bin/env bash
# Set up (first time only) and serve Waymark. With no WAYMARK_DB configured, the first run
# builds the demo clinic into data/waymark.duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
