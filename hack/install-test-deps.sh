#!/usr/bin/env bash
# Installs what the tests need beyond Go modules: redis-server (real cache nodes, and real Redis Sentinels,
# which the tests run as `redis-server --sentinel`: Debian's redis-sentinel package only adds a service and a
# link to the same binary). A no-op when present.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "redis-server is missing; install it (Debian: apt-get install -y redis-server) or run as root" >&2
  exit 1
fi
echo "installing redis-server" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq redis-server >&2
# The package starts a system instance on 6379; the tests run their own on other loopback addresses.
service redis-server stop >/dev/null 2>&1 || true
