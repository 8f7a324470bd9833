#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (idempotent) and print its path.
# Playwright drives it through `executable_path`: `playwright install` cannot download
# browsers here. Needs root for apt-get; without root an installed Chromium is still found.
set -euo pipefail

path="$(command -v chromium || true)"
if [ -z "$path" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium is not installed and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  path="$(command -v chromium)"
fi
echo "$path"
