#!/usr/bin/env bash
# Makes sure a Docker engine answers and that this machine can build warren's images. On
# Debian it installs docker.io and debootstrap when missing and starts dockerd when none runs
# (machines without systemd as PID 1 included); elsewhere it says what to do.
set -euo pipefail

log() { printf '==> %s\n' "$*"; }

docker_answers() { docker info >/dev/null 2>&1; }

# Some machines let only root reach the network, and apt downloads as its own _apt user:
# when that fails, apt runs again downloading as root.
apt_get() {
  apt-get "$@" || { log "apt-get $1 failed; retrying with downloads as root"; apt-get -o APT::Sandbox::User=root "$@"; }
}

missing=()
[ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
if [ -z "${DOCKER_HOST:-}" ] && ! command -v dockerd >/dev/null 2>&1; then
  missing+=(docker.io)
fi
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq --error-on=any
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if command -v docker >/dev/null 2>&1 && docker_answers; then
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "The Docker engine at DOCKER_HOST=$DOCKER_HOST does not answer: start it, or unset DOCKER_HOST to use a local one." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "No Docker engine found. Install one (Debian/Ubuntu as root: apt-get install docker.io;" \
    "elsewhere: https://docs.docker.com/engine/install/), start it, and run this again." >&2
  exit 1
fi

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  log "starting the Docker engine with systemd"
  systemctl start docker
else
  log "starting dockerd in the background (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  docker_answers && exit 0
  sleep 1
done
echo "dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
exit 1
