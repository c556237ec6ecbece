#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster on 127.0.0.1 (for CI and local runs).
#   scripts/throwaway-postgres.sh start DIR [PORT]   → prints the DATABASE_URL
#   scripts/throwaway-postgres.sh stop DIR
# PostgreSQL refuses to run as root, so the cluster belongs to the postgres user.
set -euo pipefail
action="$1"; dir="$2"; port="${3:-55432}"
bin_dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin_dir" ]; then
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin_dir/initdb" -A trust -U postgres -D "$dir/data" >"$dir/initdb.log"
    # -F: no fsync, the data is thrown away anyway; sockets in the cluster's own folder.
    as_owner "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -h 127.0.0.1 -F -k $dir" start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bin_dir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
