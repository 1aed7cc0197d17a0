# Sourced by the other scripts: make (once) and activate the project's virtualenv in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
fi
# Reinstall when the project file changes (dependencies, entry points).
stamp=".venv/.installed-$1-$(sha1sum < pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Installing gridflex ($1) into .venv ..."
  if [ "$1" = dev ]; then .venv/bin/pip install --quiet -e '.[dev]'; else .venv/bin/pip install --quiet -e .; fi
  rm -f .venv/.installed-"$1"-*; touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
