#!/usr/bin/env bash
# The release build and a gongkaid under measurement, for scripts/bench and
# scripts/bench-replay (sourced after scripts/lib/setup.sh).
#
#   bench_build                      -> builds gongkaid, gongkai, gongkai-bench and
#                                       gongkai-storage-bench in release; bin set. The build
#                                       directory is $GONGKAI_BUILD_PATH (default .build).
#   bench_events_file FILE N         -> writes at least N simulated events to FILE
#                                       (gongkai simulate --seeds K, enough years for N);
#                                       events_seeds=K and events_total set
#   bench_daemon_start STATE [FLAG…] -> starts gongkaid ($daemon_binary if set, else the
#                                       build's) on STATE (log in STATE/gongkaid.log)
#                                       with a stand-in systemd notify socket, waits for
#                                       READY=1; daemon, daemon_socket and ready_ms set
#   bench_daemon_memory              -> "rss=… MiB anon=… MiB file=… MiB hwm=… MiB" of the
#                                       running daemon (VmRSS, RssAnon, RssFile, VmHWM from
#                                       /proc/PID/status; file is mostly LMDB's mapped pages)
#   bench_daemon_cpu_mark            -> remembers the running daemon's CPU time so far
#   bench_daemon_cpu_since_mark N    -> "cpu_per_append=…µs writer=…µs event_loops=…µs
#                                       other=…µs": the daemon's CPU (user + system) since
#                                       the mark over N appends, split by thread name
#   bench_daemon_stop                -> SIGTERM and wait; idempotent, for the EXIT trap

build_path=${GONGKAI_BUILD_PATH:-.build}
bin=""
daemon=""
daemon_socket=""
ready_ms=""

bench_build() {
  local product
  for product in gongkaid gongkai gongkai-bench gongkai-storage-bench; do
    swift build -c release --scratch-path "$build_path" --product "$product" >&2
  done
  bin=$build_path/release
}

bench_events_file() {
  local file=$1 wanted=$2 per_year seeds
  per_year=$("$bin/gongkai" simulate --seed 1 | wc -l)
  # Years differ in size by a few percent; a tenth more covers that.
  seeds=$(( wanted * 11 / 10 / per_year + 1 ))
  "$bin/gongkai" simulate --seed 1 --seeds "$seeds" --output "$file" 2>/dev/null
  events_seeds=$seeds
  events_total=$(wc -l <"$file")
  [ "$events_total" -ge "$wanted" ] || { echo "error: $seeds simulated years gave $events_total events, $wanted wanted" >&2; return 1; }
}

bench_daemon_start() {
  local state=$1; shift
  daemon_socket=$state/gongkai.sock
  local notify=$state/notify.sock ready_file=$state/ready.out
  "$bin/gongkai-bench" await-ready --notify-socket "$notify" --timeout 900 >"$ready_file" &
  local waiter=$!
  for _ in $(seq 1 400); do [ -S "$notify" ] && break; sleep 0.01; done
  [ -S "$notify" ] || { echo "error: await-ready did not bind $notify" >&2; return 1; }
  local started
  started=$(date +%s%N)
  NOTIFY_SOCKET=$notify "${daemon_binary:-$bin/gongkaid}" --state-directory "$state" --socket "$daemon_socket" "$@" \
    >>"$state/gongkaid.log" 2>&1 &
  daemon=$!
  if ! wait "$waiter"; then
    echo "error: gongkaid did not become ready; its log:" >&2
    tail -20 "$state/gongkaid.log" >&2
    return 1
  fi
  local ready_ns
  ready_ns=$(sed -n 's/^ready_ns=\([0-9]*\).*/\1/p' "$ready_file")
  ready_ms=$(awk -v a="$started" -v b="$ready_ns" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')
}

bench_daemon_memory() {
  awk '/^VmRSS/ { rss = $2 } /^RssAnon/ { anon = $2 } /^RssFile/ { file = $2 } /^VmHWM/ { hwm = $2 }
       END { printf "rss=%.0f MiB anon=%.0f MiB file=%.0f MiB hwm=%.0f MiB", rss / 1024, anon / 1024, file / 1024, hwm / 1024 }' \
    "/proc/$daemon/status"
}

# Clock ticks of the daemon: "total writer event_loops". The total is the process's own
# line, which also keeps the time of threads that have ended; the writer and the SwiftNIO
# event loops are told apart by the names their threads give the kernel.
bench_daemon_cpu_ticks() {
  local total
  total=$(awk '{ print $14 + $15 }' "/proc/$daemon/stat")
  for task in /proc/"$daemon"/task/*; do
    printf '%s %s\n' "$(tr ' ' _ 2>/dev/null <"$task/comm")" "$(awk '{ print $14 + $15 }' "$task/stat" 2>/dev/null || echo 0)"
  done | awk -v total="$total" '
    $1 == "gongkai-writer" { writer += $2 }
    $1 ~ /^NIO-ELT/ { loops += $2 }
    END { print total, writer + 0, loops + 0 }'
}

bench_daemon_cpu_mark() {
  cpu_mark=$(bench_daemon_cpu_ticks)
}

bench_daemon_cpu_since_mark() {
  local appends=$1
  awk -v mark="$cpu_mark" -v now="$(bench_daemon_cpu_ticks)" -v appends="$appends" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(mark, a, " "); split(now, b, " ")
    us = 1e6 / hz / appends
    total = (b[1] - a[1]) * us; writer = (b[2] - a[2]) * us; loops = (b[3] - a[3]) * us
    printf "cpu_per_append=%.1fµs writer=%.1fµs event_loops=%.1fµs other=%.1fµs", total, writer, loops, total - writer - loops
  }'
}

bench_daemon_stop() {
  if [ -n "$daemon" ]; then
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
    daemon=""
  fi
}

# CPU steal: the share of this machine's CPU time the hypervisor gave to other guests
# (/proc/stat), from `cpu_steal_mark` to `cpu_steal_since_mark`. On a shared VM a latency
# tail comes with it, so the reports print it beside p99.
cpu_steal_mark() {
  steal_mark=$(awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
}

cpu_steal_since_mark() {
  awk -v mark="$steal_mark" '/^cpu / {
    split(mark, before, " ")
    total = $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 - before[2]
    printf "%.1f%%", (total > 0 ? 100 * ($9 - before[1]) / total : 0)
  }' /proc/stat
}
