#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A private, throw-away PostgreSQL server for hpo's PostgreSQL tests (and bench by hand):
#
#   bash tests/postgres/server.sh start DIR   initdb into DIR/data, start it on 127.0.0.1 at a
#                                            free port (socket in DIR/socket, trust auth), wait
#                                            for it, write its connection string to DIR/conninfo
#   bash tests/postgres/server.sh stop DIR    stop it and delete its data (DIR/server.log stays)
#   bash tests/postgres/server.sh run DIR CMD...
#                                            run CMD with HPO_TEST_PG_CONNINFO set, or, when the
#                                            server could not start, print why and exit 77 (the
#                                            tests' SKIP_RETURN_CODE)
#
# `start` always exits 0: a machine without PostgreSQL (a developer's laptop) gets the reason in
# DIR/unavailable, and `run` reports the tests as skipped rather than failed. PostgreSQL refuses
# to run as root: as root the server runs as the `postgres` user (Debian's package creates it),
# in a data directory it owns. The server is tuned for tests, not durability (fsync off).
# HPO_PG_BINDIR=DIR picks the server's programs (HPO_PG_BINDIR=/nonexistent shows the skip).
set -uo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|run DIR [CMD...]" >&2
  exit 2
fi
mkdir -p "$dir" && dir="$(cd "$dir" && pwd)" || exit 2

# As root, run postgres' programs as the postgres user.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The directory of initdb and pg_ctl: $HPO_PG_BINDIR if set, else Debian's newest
# /usr/lib/postgresql/*/bin, else wherever PATH has initdb.
server_bin() {
  if [ -n "${HPO_PG_BINDIR:-}" ]; then
    echo "$HPO_PG_BINDIR"
    return
  fi
  local bin
  # shellcheck disable=SC2012  # Debian's version directories: plain numbers
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    bin="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  fi
  echo "$bin"
}

unavailable() {
  echo "$*" >"$dir/unavailable"
  echo "hpo postgres server: $*" >&2
  exit 0
}

start() {
  rm -f "$dir/conninfo" "$dir/unavailable"
  local bin
  bin="$(server_bin)"
  [ -x "$bin/initdb" ] || unavailable "no PostgreSQL server found (no initdb in ${HPO_PG_BINDIR:-/usr/lib/postgresql/*/bin or PATH}; Debian: apt-get install postgresql)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    unavailable "running as root and there is no 'postgres' user to run the server as"
  fi

  # The data and socket directories: inside DIR when the server user can reach it, else in a
  # fresh directory under /tmp (e.g. a build tree below a directory only root may enter).
  local base="$dir"
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$dir/server" && chown postgres: "$dir/server"
    base="$dir/server"
    if ! as_server_user test -w "$base" 2>/dev/null; then
      base="$(mktemp -d /tmp/hpo-pg.XXXXXX)" && chown postgres: "$base"
    fi
  fi
  echo "$base" >"$dir/base"
  rm -rf "$base/data" "$base/socket"
  as_server_user mkdir -p "$base/socket"
  if ! as_server_user "$bin/initdb" -D "$base/data" -A trust -U postgres -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1; then
    unavailable "initdb failed (see $dir/initdb.log): $(tail -n 1 "$dir/initdb.log")"
  fi

  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    # A port something already listens on is taken.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      continue
    fi
    if as_server_user "$bin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 30 start \
         -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$base/socket \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=50 -c shared_buffers=32MB" >/dev/null 2>&1; then
      if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 10; then
        echo "host=127.0.0.1 port=$port dbname=postgres user=postgres connect_timeout=5" \
          >"$dir/conninfo"
        echo "hpo postgres server: started on 127.0.0.1:$port ($base/data), attempt $attempt"
        return 0
      fi
      as_server_user "$bin/pg_ctl" -D "$base/data" -m immediate stop >/dev/null 2>&1
    fi
    cp "$base/server.log" "$dir/server.log" 2>/dev/null
  done
  unavailable "the server did not start (see $dir/server.log): $(tail -n 1 "$dir/server.log" 2>/dev/null)"
}

stop() {
  local base bin
  base="$(cat "$dir/base" 2>/dev/null)" || return 0
  bin="$(server_bin)"
  if [ -f "$base/data/postmaster.pid" ] && [ -x "$bin/pg_ctl" ]; then
    as_server_user "$bin/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null 2>&1 ||
      as_server_user "$bin/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1
  fi
  cp "$base/server.log" "$dir/server.log" 2>/dev/null
  rm -rf "$base/data" "$base/socket" "$dir/conninfo" "$dir/base"
  [ "$base" != "$dir" ] && [ "$base" != "$dir/server" ] && rm -rf "$base"
  echo "hpo postgres server: stopped"
  return 0
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  run)
    shift 2
    if [ ! -s "$dir/conninfo" ]; then
      echo "hpo postgres tests SKIPPED: $(cat "$dir/unavailable" 2>/dev/null || echo "no server (run: $0 start $dir)")"
      exit 77
    fi
    HPO_TEST_PG_CONNINFO="$(cat "$dir/conninfo")" exec "$@"
    ;;
  *)
    echo "usage: $0 start|stop|run DIR [CMD...]" >&2
    exit 2
    ;;
esac
