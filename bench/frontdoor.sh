#!/usr/bin/env bash
# HTTP front door figures of issue 15, in one run, beside the raw counterpart:
#   - GET /healthz throughput of `cityid serve` and of bench/minimal_server.cc (Boost.Beast over
#     Asio, the same number of I/O threads), both on loopback, keep-alive; ratio (target >= 0.8x);
#   - POST /api/v1/verify p50/p99 at 32 connections (target p99 < 10 ms);
#   - VmRSS of each server process holding 10,000 idle keep-alive connections (target < 300 MB)
#     and whether a fresh client's /healthz is still answered meanwhile.
#
#   bench/frontdoor.sh [BUILD_DIR]          # default build-rel; from the repository root
#
# Environment: CITYID (the binary; default BUILD_DIR/bin/cityid), SECONDS_PER_MODE (5),
# CONNECTIONS (32), ROUNDS (5: /healthz alternates between the two servers in ROUNDS slices of
# SECONDS_PER_MODE/ROUNDS seconds each, so that load from other processes on a shared machine
# falls on both alike; the ratio is of the totals), IO_THREADS (1, the
# front door's default), IDLE (10000), PER_ADDRESS (200), ANSWER_TIMEOUT (20), CITYID_FLAGS
# (more `cityid serve` flags, e.g. "--threads 40").
#
# cityid runs on a temporary data folder (New York policy) holding one issued card, whose
# payload the verify mode posts; its stdout and stderr (the request log) go to files there.
# Flags given to cityid for the measurement, only when `cityid serve --help` lists them (the
# cpp-httplib server before the front door has none of them):
#   --io-threads IO_THREADS           as the minimal server
#   --max-connections 20000           the 10,000 held connections plus the fresh client would
#                                     pass the default (10,000)
#   --keep-alive-timeout 120          held connections stay while the 10,000 are being opened
# The idle connections come from 127.0.0.1 .. 127.0.0.50 (200 per address, under the default
# --max-connections-per-client 256), so that cap needs no lifting. POST /api/v1/verify is not
# rate-limited per client (--public-requests-per-minute covers the appointment and history
# routes only), so it needs no flag either.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build-rel}
case "$BUILD" in /*) ;; *) BUILD="$SRC/$BUILD" ;; esac
CITYID=${CITYID:-$BUILD/bin/cityid}
MINIMAL=$BUILD/bench/cityid_minimal_http
DRIVER=$BUILD/bench/cityid_frontdoor_bench
SECS=${SECONDS_PER_MODE:-5}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-5}
SLICE=$(awk -v s="$SECS" -v r="$ROUNDS" 'BEGIN{print s/r}')
IO_THREADS=${IO_THREADS:-1}
IDLE=${IDLE:-10000}
PER_ADDRESS=${PER_ADDRESS:-200}
ANSWER_TIMEOUT=${ANSWER_TIMEOUT:-20}
for b in "$CITYID" "$MINIMAL" "$DRIVER"; do
  [[ -x $b ]] || { echo "frontdoor.sh: $b not built" >&2; exit 2; }
done
ulimit -n "$(ulimit -Hn)"

TMP=$(mktemp -d /tmp/cityid-frontdoor.XXXXXX)
CITYID_PID=""
MINIMAL_PID=""
cleanup() {
  for p in $CITYID_PID $MINIMAL_PID; do kill "$p" 2>/dev/null || true; done
  for p in $CITYID_PID $MINIMAL_PID; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# A data folder with one issued card (enroll the example applicant, approve, issue).
DATA=$TMP/data
"$CITYID" init --data "$DATA" --policy "$SRC/policies/new-york-points.toml" >"$TMP/init.out"
APP=$("$CITYID" --json enroll --data "$DATA" --applicant "$SRC/examples/applicant-jose.json" |
      jq -r .application_id)
"$CITYID" approve --data "$DATA" --application "$APP" >/dev/null
"$CITYID" --json issue --data "$DATA" --application "$APP" | jq -r .qr_payload >"$TMP/payload.txt"
[[ -s $TMP/payload.txt && $(cat "$TMP/payload.txt") != null ]] ||
  { echo "frontdoor.sh: no card payload" >&2; exit 1; }

HELP=$("$CITYID" serve --help)
FLAGS=()
has() { grep -q -- "$1" <<<"$HELP"; }
has --io-threads && FLAGS+=(--io-threads "$IO_THREADS")
has --max-connections && FLAGS+=(--max-connections 20000)
has --keep-alive-timeout && FLAGS+=(--keep-alive-timeout 120)
read -r -a EXTRA <<<"${CITYID_FLAGS:-}"
FLAGS+=("${EXTRA[@]}")

# Waits for a line of file $1 that sed expression $2 turns into the port; prints the port.
port_of() {
  local file=$1 expr=$2 _
  for _ in $(seq 1 200); do
    local p
    p=$(sed -n "$expr" "$file" | head -1)
    [[ -n $p ]] && { echo "$p"; return 0; }
    sleep 0.05
  done
  echo "frontdoor.sh: no port in $file" >&2
  cat "$TMP"/*.err >&2 || true
  return 1
}

"$CITYID" serve --data "$DATA" --listen 127.0.0.1:0 "${FLAGS[@]}" \
  >"$TMP/cityid.out" 2>"$TMP/cityid.err" &
CITYID_PID=$!
CITYID_PORT=$(port_of "$TMP/cityid.out" 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p')
"$MINIMAL" --io-threads "$IO_THREADS" --listen 127.0.0.1:0 >"$TMP/minimal.out" 2>"$TMP/minimal.err" &
MINIMAL_PID=$!
MINIMAL_PORT=$(port_of "$TMP/minimal.out" '/^[0-9][0-9]*$/p')

echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# cityid: $CITYID (pid $CITYID_PID, port $CITYID_PORT) serve flags: ${FLAGS[*]:-(none)}"
echo "# minimal: $MINIMAL --io-threads $IO_THREADS (pid $MINIMAL_PID, port $MINIMAL_PORT)"

kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
run() { local line; line=$("$DRIVER" "$@"); echo "$line" >&2; echo "$line"; }

declare -A HZ_OK HZ_SECS HZ_P50 HZ_P99 HZ_STARVED HZ_CONNECT
for name in minimal cityid; do
  HZ_OK[$name]=0; HZ_SECS[$name]=0; HZ_P50[$name]=""; HZ_P99[$name]=""; HZ_STARVED[$name]=""; HZ_CONNECT[$name]=""
done
for _ in $(seq 1 "$ROUNDS"); do
  for name in minimal cityid; do
    port=$MINIMAL_PORT
    [[ $name == cityid ]] && port=$CITYID_PORT
    line=$(run --target "127.0.0.1:$port" --mode healthz --connections "$CONNECTIONS" --seconds "$SLICE")
    HZ_OK[$name]=$(( ${HZ_OK[$name]} + $(kv "$line" ok) ))
    HZ_SECS[$name]=$(awk -v a="${HZ_SECS[$name]}" -v b="$(kv "$line" seconds)" 'BEGIN{print a+b}')
    HZ_P50[$name]+="$(kv "$line" p50_ms) "
    HZ_P99[$name]+="$(kv "$line" p99_ms) "
    HZ_STARVED[$name]+="$(kv "$line" starved_connections) "
    HZ_CONNECT[$name]+="$(kv "$line" connect_ms) "
  done
done
VERIFY=$(run --target "127.0.0.1:$CITYID_PORT" --mode verify --payload "$TMP/payload.txt" \
  --connections 32 --seconds "$SECS")
IDLE_MIN=$(run --target "127.0.0.1:$MINIMAL_PORT" --mode idle --pid "$MINIMAL_PID" --idle "$IDLE" \
  --per-address "$PER_ADDRESS" --keepalive-first --answer-timeout "$ANSWER_TIMEOUT")
IDLE_CID=$(run --target "127.0.0.1:$CITYID_PORT" --mode idle --pid "$CITYID_PID" --idle "$IDLE" \
  --per-address "$PER_ADDRESS" --keepalive-first --answer-timeout "$ANSWER_TIMEOUT")
ALIVE=yes
kill -0 "$CITYID_PID" 2>/dev/null || ALIVE="NO (exited)"

rps() { awk -v n="${HZ_OK[$1]}" -v s="${HZ_SECS[$1]}" 'BEGIN{printf "%.0f", n/s}'; }
RATIO=$(awk -v a="$(rps cityid)" -v b="$(rps minimal)" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')
idle_cell() {
  echo "$(kv "$1" rss_mib) MiB ($(kv "$1" connected) connected, $(kv "$1" answered) answered, $(kv "$1" closed_by_server) closed by the server; fresh /healthz $(kv "$1" fresh_healthz_ok), max $(kv "$1" fresh_max_ms) ms)"
}
# Median of the slices' p50s, highest of their p99s, highest count of connections never answered
# in a slice.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
highest() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -1; }
hz_cell() {
  echo "$(rps "$1") req/s (p50 $(median "${HZ_P50[$1]}") ms, p99 $(highest "${HZ_P99[$1]}") ms; connections never answered: $(highest "${HZ_STARVED[$1]}") of $CONNECTIONS; opening them took up to $(highest "${HZ_CONNECT[$1]}") ms)"
}
echo
echo "| figure | minimal Beast server | cityid serve | target |"
echo "|---|---|---|---|"
echo "| GET /healthz, $CONNECTIONS keep-alive connections, $ROUNDS x ${SLICE} s each | $(hz_cell minimal) | $(hz_cell cityid) — **${RATIO}x** | >= 0.8x |"
echo "| POST /api/v1/verify, 32 connections, ${SECS} s | — | $(kv "$VERIFY" rps) req/s, p50 $(kv "$VERIFY" p50_ms) ms, **p99 $(kv "$VERIFY" p99_ms) ms** (max $(kv "$VERIFY" max_ms) ms; non-200 $(kv "$VERIFY" non200), errors $(kv "$VERIFY" errors), connections never answered $(kv "$VERIFY" starved_connections)) | p99 < 10 ms |"
echo "| VmRSS with $IDLE idle keep-alive connections | $(idle_cell "$IDLE_MIN") | $(idle_cell "$IDLE_CID") | < 300 MB |"
echo "| cityid still running at the end | | $ALIVE | |"
