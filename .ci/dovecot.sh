#!/usr/bin/env bash
# Provide Dovecot (IMAP) from Debian's packages for the mailbox-poller tests.
#
# Idempotent: installs `dovecot-imapd` if the `dovecot` binary is missing, then prints the
# binary's path on stdout and nothing else, so callers can write
#   export HANCHOT_TEST_DOVECOT="$(.ci/dovecot.sh)"
# The tests start their own private instance (own config, port and mail directory) and
# stop it; nothing here starts the system service. Progress goes to stderr. Needs root.
set -euo pipefail

log() { echo "dovecot.sh: $*" >&2; }

if ! command -v dovecot >/dev/null 2>&1; then
  log "installing dovecot-imapd from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends dovecot-imapd >&2
fi
# The package starts the system-wide service where it can; the tests do not need it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
  log "stopping the system dovecot service (tests run their own)"
  systemctl stop dovecot >&2 || true
fi

command -v dovecot
