#!/usr/bin/env bash
# Requests per second of the public status page, summary.json and a static file (whitenoise),
# measured in one run with wrk against gunicorn on a throwaway PostgreSQL server.
# Loopback only; each measurement lasts BENCH_SECONDS (default 10).
# Usage: scripts/bench_status.sh   (env: BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_WORKERS)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
workers=${BENCH_WORKERS:-$(nproc)}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  else
    echo "wrk is missing: apt-get install wrk (as root)" >&2; exit 1
  fi
fi

bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
workdir=$(mktemp -d /tmp/portal-bench.XXXXXX)
chmod 755 "$workdir"
runas=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$workdir"
  runas=(runuser -u postgres --)
fi
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
web_port=$(free_port)
"${runas[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${runas[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -s \
  -o "-p $pg_port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start
gunicorn_pid=""
cleanup() {
  [ -n "$gunicorn_pid" ] && kill "$gunicorn_pid" 2>/dev/null && wait "$gunicorn_pid" 2>/dev/null || true
  "${runas[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate -s stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${runas[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres portal
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/portal"
export DEBUG=0 SECRET_KEY="bench-only-$(date +%s)" ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0
export SECURE_HSTS_SECONDS=0 STAFF_MFA_REQUIRED=0 VAR_DIR="$workdir/var" LOG_LEVEL=WARNING
export SITE_URL="http://127.0.0.1:$web_port"

.venv/bin/python manage.py migrate -v 0
.venv/bin/python manage.py seed_demo >/dev/null
.venv/bin/python manage.py collectstatic --no-input -v 0
static_path=$(.venv/bin/python -c 'import json,sys; print("/static/" + json.load(open("staticfiles/staticfiles.json"))["paths"]["css/portal.css"])')

.venv/bin/gunicorn portal.wsgi:application --bind "127.0.0.1:$web_port" --workers "$workers" \
  --access-logfile /dev/null --error-logfile "$workdir/gunicorn.log" &
gunicorn_pid=$!
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$web_port/healthz" >/dev/null && break
  sleep 0.2
done

base="http://127.0.0.1:$web_port"
declare -A rps
paths=("$static_path" "/status/" "/status/api/v2/summary.json")
for path in "${paths[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base$path")
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
  wrk -t2 -c"$connections" -d2s "$base$path" >/dev/null  # warm every worker's cache
done
echo "gunicorn: $workers sync workers; wrk: 2 threads, $connections connections, ${seconds}s each"
for path in "${paths[@]}"; do
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$base$path")
  rps[$path]=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  size=$(curl -s -o /dev/null -w '%{size_download}' "$base$path")
  printf '%-40s %10s req/s  (%s bytes)%s\n' "$path" "${rps[$path]}" "$size" "${errors:+  $errors}"
done
for path in "/status/" "/status/api/v2/summary.json"; do
  .venv/bin/python -c "import sys; print(f'{sys.argv[1]:<40} ratio to static file: {float(sys.argv[2]) / float(sys.argv[3]):.2f}')" \
    "$path" "${rps[$path]}" "${rps[$static_path]}"
done
