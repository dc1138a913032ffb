#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium (/usr/bin/chromium) for the
# dashboard's browser test (playwright-core drives it; `npx playwright install`
# cannot download here). Idempotent: a working /usr/bin/chromium is a no-op.
# Needs root (CI runs as root); without root and without chromium it fails.
set -euo pipefail

say() { printf '[setup:browser] %s\n' "$*" >&2; }

if /usr/bin/chromium --version >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
  say "error: /usr/bin/chromium is missing and this is not root: run 'apt-get install -y chromium' as root"
  exit 1
fi
say "installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version >&2
