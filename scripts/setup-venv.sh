# Sourced by run.sh and test.sh: create .venv with Python 3.11+ and install the requirements once
# per version of the requirement files. Usage: source scripts/setup-venv.sh [requirements file]
requirements_file="${1:-requirements.txt}"
python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
  done
fi
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: ${python_bin:-none}). Install it, or set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $python_bin ..."
  "$python_bin" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$requirements_file")"
if [ ! -f "$stamp" ]; then
  echo "Installing $requirements_file into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements_file"
  touch "$stamp"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
