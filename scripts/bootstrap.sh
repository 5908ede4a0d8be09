#!/usr/bin/env bash
# Prepares this checkout to run warren: a pinned Python venv, the third-party Ansible
# collections (offline, from the `ansible` wheel on PyPI), and a running Docker engine.
# Safe to re-run: every step is skipped when it is already done.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The system's Python when it is recent enough: a venv made from a Python under a user's home
# (pyenv) is unusable by every other user, and nothing warren does on the controller needs root.
python=${WARREN_PYTHON:-}
if [ -z "$python" ]; then
  for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
fi
python=${python:-python3}
venv="$root/.venv"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/warren"

# The `ansible` community package pairs with ansible-core 2.19 and carries the collections
# we need, so machines without Galaxy can install them from PyPI.
ansible_bundle_version=12.3.0
collections=(community/docker community/library_inventory_filtering_v1 kubernetes/core ansible/posix community/crypto)

log() { printf '==> %s\n' "$*"; }

# pip warns about every index location of this machine's pip.conf that does not exist.
pip() { "$venv/bin/pip" "$@" --quiet --disable-pip-version-check 2> >(grep -v 'is ignored: it is neither' >&2); }

ensure_venv() {
  local want have=""
  want=$(cat requirements.txt apps/pyproject.toml | sha256sum | cut -d' ' -f1)
  [ -f "$venv/.requirements.sha256" ] && have=$(cat "$venv/.requirements.sha256")
  if [ "$want" = "$have" ] && [ -x "$venv/bin/ansible-playbook" ]; then
    return
  fi
  log "creating the Python venv in .venv (pinned by requirements.txt)"
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "warren needs Python 3.11 or newer: set WARREN_PYTHON to one")'
  "$python" -m venv --clear "$venv"
  pip install -r requirements.txt
  # The apps' package (publisher, consumer), for their tests and for the chaos driver.
  pip install --no-deps -e apps
  echo "$want" >"$venv/.requirements.sha256"
}

ensure_collections() {
  local dest="$root/collections/ansible_collections" missing=()
  for c in "${collections[@]}"; do
    [ -f "$dest/$c/MANIFEST.json" ] || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Ansible collections ${missing[*]} from the ansible==$ansible_bundle_version wheel"
  mkdir -p "$cache"
  local wheel="$cache/ansible-$ansible_bundle_version-py3-none-any.whl"
  if [ ! -f "$wheel" ]; then
    pip download --no-deps --dest "$cache" "ansible==$ansible_bundle_version"
  fi
  local patterns=()
  for c in "${missing[@]}"; do patterns+=("ansible_collections/$c/*"); done
  "$venv/bin/python" - "$wheel" "$root/collections" "${patterns[@]}" <<'PY'
import fnmatch, sys, zipfile
wheel, dest, *patterns = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf:
    members = [n for n in zf.namelist() if any(fnmatch.fnmatch(n, p) for p in patterns)]
    zf.extractall(dest, members)
PY
}

ensure_venv
ensure_collections
"$root/scripts/ensure-docker.sh"
