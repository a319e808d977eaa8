#!/usr/bin/env bash
# Makes sure Debian's chromium is installed: test/console/console.test.ts drives the run console
# in it through playwright-core (which downloads no browser of its own). Installs it with apt-get
# when it is missing and this shell may (root, or sudo without a password); otherwise says how.
# Run by .ci/run and before `npm test` (the npm `pretest` script); does nothing when chromium is there.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "chromium is missing and this is not a Debian-like system: install Chromium and set CHROMIUM_PATH for the console's browser tests" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "chromium is missing: run 'sudo apt-get install -y chromium' for the console's browser tests" >&2
  exit 0
fi
echo "installing Debian's chromium for the console's browser tests" >&2
"${as_root[@]}" apt-get update >/dev/null
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y chromium >/dev/null
