#!/usr/bin/env bash
# Set everything up and start the dashboard on http://127.0.0.1:8501 (PORT=... to change).
# On an empty database this builds the demo data (synthetic) first.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh requirements.txt
# Served anywhere but this machine, the data need sign-in ([auth] in .streamlit/secrets.toml): refuse otherwise.
python -m access check-serve --address "${HOST:-127.0.0.1}"
python -m db demo --if-empty
exec streamlit run app.py --server.address "${HOST:-127.0.0.1}" --server.port "${PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false
