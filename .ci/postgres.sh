#!/usr/bin/env bash
# Provide a local PostgreSQL for the test suite, from Debian's packages.
#
# Idempotent: installs the server if missing, creates and starts a cluster, creates the role
# and database `hanchot` (password `hanchot`, CREATEDB so tests can make a database each),
# then prints the URL on stdout and nothing else, so callers can write
#   export HANCHOT_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
# Progress goes to stderr. Must run as root (apt-get, pg_ctlcluster, runuser).
set -euo pipefail

ROLE=${HANCHOT_PG_ROLE:-hanchot}
PASSWORD=${HANCHOT_PG_PASSWORD:-hanchot}
DATABASE=${HANCHOT_PG_DATABASE:-hanchot}

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters --no-header | awk '{print $1, $2}' | grep -qx "$version main"; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -qx online; then
  log "starting cluster $version/main"
  pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

psql_admin() { runuser -u postgres -- psql --port "$port" -v ON_ERROR_STOP=1 -tA "$@"; }

# Wait for the server to accept connections (pg_ctlcluster returns once it has started,
# but a cluster started by something else may still be recovering).
for _ in $(seq 1 30); do
  psql_admin -c "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
psql_admin -c "SELECT 1" >/dev/null

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  log "creating role $ROLE"
  psql_admin -c "CREATE ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
else
  psql_admin -c "ALTER ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'" >/dev/null
fi
# Tests drop their databases WITH (FORCE); an autovacuum worker has no role, and only
# pg_signal_backend lets a non-superuser terminate it.
psql_admin -c "GRANT pg_signal_backend TO \"$ROLE\"" >/dev/null
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  log "creating database $DATABASE"
  psql_admin -c "CREATE DATABASE \"$DATABASE\" OWNER \"$ROLE\" ENCODING 'UTF8' TEMPLATE template0" >&2
fi

echo "postgresql://$ROLE:$PASSWORD@localhost:$port/$DATABASE"
