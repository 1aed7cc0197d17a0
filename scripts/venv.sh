# Sourced by the other scripts: make (once) and activate the project's virtualenv in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
fi
# Reinstall when the project file or the lock changes. constraints.txt pins every dependency to
# the versions CI tested (./scripts/lock refreshes it).
stamp=".venv/.installed-$1-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Installing gridflex ($1) into .venv ..."
  extras=""; [ "$1" = dev ] && extras="[dev]"
  .venv/bin/pip install --quiet -c constraints.txt -e ".$extras"
  rm -f .venv/.installed-"$1"-*; touch "$stamp"
fi
# The web UI's browser libraries (package-lock.json) into node_modules/, which the server serves.
npm_stamp="node_modules/.installed-$1-$(cat package-lock.json | sha1sum | cut -c1-12)"
if [ ! -f "$npm_stamp" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "Installing the web UI's browser libraries (npm ci) ..."
    if [ "$1" = dev ]; then npm ci --no-audit --no-fund --loglevel=error; else npm ci --omit=dev --no-audit --no-fund --loglevel=error; fi
    touch "$npm_stamp"
  else
    echo "npm not found: the web UI's maps will be missing (apt-get install npm, then run this again)." >&2
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
