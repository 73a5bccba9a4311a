#!/usr/bin/env bash
# The project's one test command (see README): sets up what is missing, lints, then runs
# every test: unit tests, every notebook (nbval), the served app and the browser tests.
# Extra arguments go to pytest, e.g.  bash tests/run.sh -m "not browser"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'tests/run.sh: %s\n' "$*" >&2; }

as_root_apt() {
  # Installs Debian packages when we are root; otherwise says how and stops.
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian package(s): $*"
    say "install them as root, then run this again:"
    say "  sudo apt-get update && sudo apt-get install -y $*"
    exit 1
  fi
  say "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# The browser tests drive Debian's Chromium, not a browser Playwright downloads.
if [ ! -x /usr/bin/chromium ]; then
  as_root_apt chromium
fi

# The PDF handout test and the collected-XLSX rendering need LibreOffice (Writer, Calc)
# and poppler; without them they are skipped (the Word and Excel files are still
# tested), so only root installs them here.
if ! command -v soffice >/dev/null || ! command -v localc >/dev/null \
  || ! command -v pdfinfo >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root_apt libreoffice-writer libreoffice-calc poppler-utils
  else
    say "LibreOffice or poppler-utils missing: the PDF tests will be skipped"
    say "  sudo apt-get install -y libreoffice-writer libreoffice-calc poppler-utils"
  fi
fi

# The store, widget and served tests run on SQLite and on a throw-away PostgreSQL
# cluster (tests/postgres.py); without Debian's postgresql only the SQLite half runs.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
  && ! command -v initdb >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root_apt postgresql
  else
    say "PostgreSQL missing: the PostgreSQL half of the store tests will be skipped"
    say "  sudo apt-get install -y postgresql"
  fi
fi

# Node tools of the tests (package.json pins them): axe-core, loaded into Chromium by
# the accessibility test, and JupyterHub's proxy for the hub deployment test. Without
# Node.js and npm those tests are skipped and say why.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  if command -v npm >/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
  elif [ "$(id -u)" -eq 0 ]; then
    as_root_apt nodejs npm
    npm ci --no-audit --no-fund --loglevel=error
  else
    say "npm missing: the JupyterHub test will be skipped"
    say "  sudo apt-get install -y nodejs npm"
  fi
fi

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  say "Python 3.11 or newer is needed as python3; found $(python3 --version 2>&1)"
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  if ! python3 -m venv .venv; then
    # Debian splits venv/ensurepip into its own package.
    rm -rf .venv
    as_root_apt python3-venv
    python3 -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q -e '.[test]'
# An editable install gets no data files: link the Voila template where a plain
# `voila` looks for it (see README, "Other ways to start the same pages").
.venv/bin/sectorwb develop >/dev/null

lint=()
for dir in sectorwb tests benchmarks; do
  if [ -d "$dir" ]; then lint+=("$dir"); fi
done
.venv/bin/ruff check "${lint[@]}"

# Two workers (pytest-xdist), each given whole files (its module fixtures, servers
# and browser stay with it): the browser tests spend much of their time waiting on
# kernels, so two at once finish in about two thirds of the time on 2 cores.
status=0
.venv/bin/python -m pytest --nbval-lax -n 2 --dist loadfile tests workbooks "$@" \
  || status=$?
exit "$status"
