#!/usr/bin/env bash
# Set everything up and start the dashboard on http://127.0.0.1:8501 (PORT=... to change).
# On an empty database this builds the demo data (synthetic) first. Without a Chrome/Chromium it installs
# Debian's chromium (as root on Debian/Ubuntu) or kaleido's download (online); NO_BROWSER_INSTALL=1 skips that.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh requirements.txt
# PNG and PDF exports need a Chrome/Chromium: find one, or install one when possible, or say how (never stops here).
source scripts/find-browser.sh
# Served anywhere but this machine, the data need sign-in ([auth] in .streamlit/secrets.toml): refuse otherwise.
python -m access check-serve --address "${HOST:-127.0.0.1}"
python -m db demo --if-empty
exec streamlit run app.py --server.address "${HOST:-127.0.0.1}" --server.port "${PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false
