#!/usr/bin/env bash
# What the tests and benchmarks need besides what bootstrap.sh provides, from Debian's packages.
#   ensure-test-tools.sh        Chromium and its ChromeDriver, for the production scenario's
#                               check of the management UI in a real browser (make test)
#   ensure-test-tools.sh bench  Go and amqp091-go, for the reference publisher, and wrk, for the
#                               HTTP load (make bench-apps)
# Installed only when missing; elsewhere it says what to install.
set -euo pipefail

log() { printf '==> %s\n' "$*"; }

# apt downloads as its own _apt user, which some machines do not let reach the network.
apt_get() {
  apt-get "$@" || { log "apt-get $1 failed; retrying with downloads as root"; apt-get -o APT::Sandbox::User=root "$@"; }
}

missing=()
# need PACKAGE PATH_OR_COMMAND: the package is missing when the command or path is.
need() {
  if [[ "$2" == /* ]]; then [ -e "$2" ] && return; else command -v "$2" >/dev/null 2>&1 && return; fi
  missing+=("$1")
}
case "${1:-test}" in
  test)
    need chromium chromium
    need chromium-driver chromedriver ;;
  bench)
    need golang-go go
    need golang-github-rabbitmq-amqp091-go-dev /usr/share/gocode/src/github.com/rabbitmq/amqp091-go
    need wrk wrk ;;
  *) echo "usage: $0 [test|bench]" >&2; exit 2 ;;
esac
[ "${#missing[@]}" -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq --error-on=any
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Needed and missing: ${missing[*]} (Debian: apt-get install ${missing[*]})." >&2
  exit 1
fi
