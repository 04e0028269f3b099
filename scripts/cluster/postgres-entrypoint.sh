#!/bin/sh
# The entrypoint of the PostgreSQL stand-in image (scripts/cluster/node-images.sh),
# run by busybox sh. It keeps the official image's contract: POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB, PGDATA, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD and /docker-entrypoint-initdb.d (*.sh, *.sql);
# initdb on an empty PGDATA, then `exec postgres`. Any other command (the
# backup job's `sh -c ...`, psql, pg_dump) is run as it is. It writes only to
# PGDATA and the socket directory, so the root filesystem may be read-only.
set -eu

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# An option first means the server's options: `docker run <image> -c fsync=off`.
case "${1:-}" in -*) set -- postgres "$@" ;; esac
[ "${1:-}" = postgres ] || exec "$@"
# `postgres --version`, `-C setting` and the like need no data directory.
for arg; do
  case "$arg" in -'?' | --help | --describe-config | -V | --version | -C) exec "$@" ;; esac
done

[ "$(id -u)" != 0 ] || die 'run this image as its postgres user (UID 999, the default), not as root'

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA
socket_dir=/var/run/postgresql
port=${PGPORT:-5432}

mkdir -p "$PGDATA" || die "cannot create PGDATA $PGDATA: is its parent writable by UID $(id -u)?"
# The server refuses a data directory others can read; an emptyDir or volume may not allow chmod.
chmod 0700 "$PGDATA" 2>/dev/null || :
chmod 3777 "$socket_dir" 2>/dev/null || :

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    die 'the database is uninitialized and POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)'
  fi
  log "initializing $PGDATA for user $POSTGRES_USER"
  # Local (socket) connections are trusted, as in the official image; every TCP
  # connection, loopback included, needs the password.
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list, as in the official image
    printf '%s\n' "$POSTGRES_PASSWORD" | initdb --username="$POSTGRES_USER" --pwfile=/dev/stdin \
      --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" ${POSTGRES_INITDB_ARGS:-}
  else
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" ${POSTGRES_INITDB_ARGS:-}
  fi
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # A server on the socket only, for the database and the init scripts.
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p $port -k $socket_dir" start
  psql_init() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --host="$socket_dir" --port="$port" \
      --username="$POSTGRES_USER" "$@"
  }
  if [ "$POSTGRES_DB" != postgres ]; then
    log "creating database $POSTGRES_DB"
    echo 'CREATE DATABASE :"db";' | psql_init --dbname=postgres --set db="$POSTGRES_DB" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      */\*) ;; # no init scripts
      *.sh)
        log "running $f"
        # shellcheck disable=SC1090 # the image user's init scripts
        . "$f"
        ;;
      *.sql) log "running $f" && psql_init --dbname="$POSTGRES_DB" -f "$f" ;;
      *) log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  log 'PostgreSQL init process complete; ready for start up.'
else
  log "PostgreSQL database directory $PGDATA appears to contain a database; skipping initialization"
fi

exec "$@"
