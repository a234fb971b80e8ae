#!/usr/bin/env bash
# Installs everything the tests need: npm packages from the lock file, and the Debian packages the
# real-peer tests drive (openssl, curl, PostgreSQL...) when running as root with apt-get available.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  mapfile -t wanted < <(grep -v '^\s*#' scripts/debian-packages.txt | awk 'NF{print $1}')
  missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # qaqpa runs its own private Postfix instances; never let the package configure a system MTA on port 25.
    if command -v debconf-set-selections >/dev/null 2>&1; then
      echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# The socket addon (Linux only): SO_ORIGINAL_DST for transparent REDIRECT listeners, SO_REUSEPORT for the
# workers' listening sockets. Without it the gateway reads /proc/net/nf_conntrack and its workers share one
# listening socket; the tests that need it say so.
if [ "$(uname -s)" = Linux ]; then
  addon=native/sockets/build/Release/sockets.node
  if [ ! -f "$addon" ] || [ native/sockets/sockets.c -nt "$addon" ]; then
    npm run --silent build:native >/dev/null || echo "warning: the socket addon did not build (see: npm run build:native)" >&2
  fi
fi

# The two-engine store tests need PostgreSQL: start the local cluster if it is installed but stopped.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  ver=$(ls /etc/postgresql 2>/dev/null | head -1)
  if [ -n "$ver" ]; then pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true; fi
fi

# The multi-node tests need NATS JetStream on 127.0.0.1:4222: start it if it is installed but not running.
if [ -x /usr/sbin/nats-server ] && ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
