#!/usr/bin/env bash
# Set everything up and run the tests. Arguments go to pytest (e.g. ./test.sh -k resolver).
# DATABASE_URL=postgresql+psycopg://... runs the same tests on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh requirements-dev.txt
# Say which Chrome/Chromium the PNG/PDF and browser tests use, or how to get one (they skip without it,
# outside CI). Nothing is installed here: .ci/run installs Debian's chromium for CI.
NO_BROWSER_INSTALL=1 source scripts/find-browser.sh
status=0
python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
exit "$status"
