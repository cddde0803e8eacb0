#!/usr/bin/env bash
# PostgreSQL 15 side by side with gongkai, for scripts/bench (which sources this file after
# scripts/lib/setup.sh). Installs Debian's `postgresql` if it is missing, starts a throwaway
# cluster on a temporary directory that listens only on a Unix socket there, with
# synchronous_commit=on and fsync=on, and drives it with pgbench: each transaction is one
# INSERT of the same event the gongkai bench appends into
#   events(seq bigserial primary key, id text unique not null, record jsonb not null).
# Nothing here stops the benchmark: when PostgreSQL cannot be installed, started or driven,
# pg_error says why and the caller reports that instead of the numbers.
#
#   pg_bench_start            -> 0 and pg_dir/pg_fs set, or 1 and pg_error set
#   pg_bench_run CLIENTS JOBS -> prints a one-line summary (clients=… tps=…), or prints
#                                the reason and returns 1 (it runs in $(…), so pg_error
#                                would not reach the caller)
#   pg_bench_tps SUMMARY      -> the tps of a summary
#   pg_bench_stop             -> stops the cluster and removes its directory (idempotent;
#                                call it from the EXIT trap)

pg_version=15
pg_bin=${GONGKAI_PG_BIN:-/usr/lib/postgresql/$pg_version/bin}
pg_seconds=${GONGKAI_PG_SECONDS:-10}
pg_dir=""
pg_fs=""
pg_error=""
pg_started=0

# Runs a PostgreSQL program as the unprivileged `postgres` user when we are root (initdb and
# the server refuse to run as root), from inside the cluster directory so the working
# directory is always readable by that user.
pg_as() {
  (
    cd "$pg_dir"
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- env PGCLIENTENCODING=UTF8 "$@"
    else
      env PGCLIENTENCODING=UTF8 "$@"
    fi
  )
}

pg_bench_install() {
  if [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pgbench" ] && [ -x "$pg_bin/pg_ctl" ]; then return 0; fi
  echo "pgbench: installing postgresql" >&2
  if ! { as_root apt-get update -qq &&
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } >&2; then
    pg_error="apt-get install postgresql failed"
    return 1
  fi
  if [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/pgbench" ]; then
    pg_error="postgresql installed but no PostgreSQL $pg_version in $pg_bin"
    return 1
  fi
}

pg_bench_start() {
  pg_bench_install || return 1
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    pg_error="no postgres user to run the server as"
    return 1
  fi
  # Same file system as the gongkai state directory when the postgres user can reach it.
  local parent=${TMPDIR:-/tmp}
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$parent" 2>/dev/null; then parent=/tmp; fi
  pg_dir=$(mktemp -d "$parent/gongkai-pg.XXXXXX") || { pg_error="cannot create a temporary directory"; return 1; }
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_dir"; fi
  pg_fs=$(df -T "$pg_dir" | awk 'NR==2 {print $2 " on " $1}')

  if ! pg_as "$pg_bin/initdb" -D "$pg_dir/data" -E UTF8 --locale=C -A trust -U postgres >"$pg_dir/initdb.log" 2>&1; then
    pg_error="initdb failed: $(tail -n 1 "$pg_dir/initdb.log")"
    return 1
  fi
  if ! pg_as "$pg_bin/pg_ctl" start -w -t 60 -D "$pg_dir/data" -l "$pg_dir/server.log" \
       -o "-k $pg_dir -c listen_addresses='' -c synchronous_commit=on -c fsync=on" >/dev/null 2>&1; then
    pg_error="pg_ctl start failed: $(tail -n 1 "$pg_dir/server.log" 2>/dev/null)"
    return 1
  fi
  pg_started=1

  if ! pg_as "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg_dir" -U postgres -d postgres >"$pg_dir/schema.log" 2>&1 <<'SQL'
CREATE TABLE events (seq bigserial PRIMARY KEY, id text UNIQUE NOT NULL, record jsonb NOT NULL);
CREATE SEQUENCE bench_event_ids;
SQL
  then
    pg_error="creating the events table failed: $(tail -n 1 "$pg_dir/schema.log")"
    return 1
  fi

  # The event of Sources/gongkai-bench/BenchPayload.swift, sent as JSON text that the
  # server parses into jsonb (as gongkaid parses each event), with an id unique per
  # transaction from a sequence.
  cat >"$pg_dir/append.sql" <<'SQL'
INSERT INTO events (id, record)
SELECT n.id, ('{"id":"' || n.id || '","type":"publication.recorded","unit":"czj","at":"2023-05-06","obligation":"T01","title":"上犹县财政局关于贯彻落实县委县政府重大决策部署情况的公开说明"}')::jsonb
FROM (SELECT 'bench-pg-' || :client_id || '-' || nextval('bench_event_ids') AS id) AS n;
SQL
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_dir/append.sql"; fi
  return 0
}

# pgbench with CLIENTS clients on JOBS threads for pg_seconds; prints
#   clients=C jobs=J seconds=S transactions=N tps=T latency_avg=Lms failed=F
pg_bench_run() {
  local clients=$1 jobs=$2 log
  log="$pg_dir/pgbench-$clients.log"
  if ! pg_as "$pg_bin/pgbench" -n -f "$pg_dir/append.sql" -c "$clients" -j "$jobs" -T "$pg_seconds" \
       -h "$pg_dir" -U postgres postgres >"$log" 2>&1; then
    echo "pgbench -c $clients failed: $(tail -n 1 "$log")"
    return 1
  fi
  # PostgreSQL 15 prints one "tps = … (without initial connection time)" line; older ones
  # printed "including/excluding connections establishing" — take the one that excludes it.
  awk -v c="$clients" -v j="$jobs" -v s="$pg_seconds" '
    /^number of transactions actually processed:/ { split($0, a, ": "); split(a[2], b, "/"); n = b[1] }
    /^number of failed transactions:/ { f = $5 }
    /^latency average = / { lat = $4 }
    /^tps = / && !/including/ { tps = $3 }
    END {
      if (tps == "") exit 1
      if (f == "") f = 0
      printf "clients=%d jobs=%d seconds=%d transactions=%s tps=%.0f latency_avg=%sms failed=%s\n", c, j, s, n, tps, lat, f
    }' "$log" || { echo "no tps line in the pgbench output of -c $clients"; return 1; }
}

pg_bench_tps() { sed -n 's/.*tps=\([0-9.]*\).*/\1/p' <<<"$1"; }

pg_bench_stop() {
  if [ "$pg_started" = 1 ]; then
    pg_as "$pg_bin/pg_ctl" stop -w -m fast -D "$pg_dir/data" >/dev/null 2>&1 || true
    pg_started=0
  fi
  if [ -n "$pg_dir" ]; then rm -rf "$pg_dir"; pg_dir=""; fi
}
