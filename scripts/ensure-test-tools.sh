#!/usr/bin/env bash
# What `make test` needs besides what bootstrap.sh provides: Debian's Chromium and its
# ChromeDriver, for the production scenario's check of the management UI in a real browser.
# Installed only when missing; elsewhere it says what to install.
set -euo pipefail

log() { printf '==> %s\n' "$*"; }

# apt downloads as its own _apt user, which some machines do not let reach the network.
apt_get() {
  apt-get "$@" || { log "apt-get $1 failed; retrying with downloads as root"; apt-get -o APT::Sandbox::User=root "$@"; }
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ "${#missing[@]}" -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq --error-on=any
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need ${missing[*]} (Debian: apt-get install chromium chromium-driver)." >&2
  exit 1
fi
