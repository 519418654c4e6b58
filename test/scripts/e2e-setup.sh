#!/usr/bin/env bash
# What the e2e suites need besides `npm ci` and NSQ (test/scripts/install-nsq.sh): Debian's chromium,
# which test/e2e/nsqadmin.spec.ts drives through playwright-core (no browser download).
# Installs it only when missing; changes nothing else.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "ci-e2e-setup: $(/usr/bin/chromium --version 2>/dev/null | tail -n 1) already installed"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi
echo "ci-e2e-setup: installing chromium with apt-get"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
echo "ci-e2e-setup: $(/usr/bin/chromium --version 2>/dev/null | tail -n 1) installed"
