# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: system packages, services, the virtualenv.
# Works on Debian 12 and Raspberry Pi OS Bookworm, as root or as a user with sudo.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_debs PKG... : install the Debian packages that are missing (apt-get update once).
ensure_debs() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# ensure_venv EXTRA : .venv with the project installed (editable) with the given extra ("",
# "demo" or "test"), at the versions in constraints.txt (refresh them with scripts/lock).
# Reinstalls only when pyproject.toml or constraints.txt changed since the last install.
ensure_venv() {
    local extra="$1" spec="."
    [ -n "$extra" ] && spec=".[$extra]"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        echo "==> creating .venv with $($python --version)"
        "$python" -m venv .venv
    fi
    local stamp=".venv/.installed-${extra:-base}"
    local want
    want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "==> installing Python packages into .venv"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -c constraints.txt -e "$spec"
        echo "$want" > "$stamp"
    fi
}

# ensure_postgres : the PostgreSQL server the tests use (MONITOR_TEST_POSTGRES, by default
# postgres@127.0.0.1:5432/test without a password). Nothing to do when it answers. Otherwise
# installs Debian's postgresql package, starts its cluster, creates the database and lets the
# postgres role in from this machine without a password (only that role, that database and the
# loopback addresses). PG_VERSION, PG_CLUSTER and PG_PORT choose another cluster (for testing
# this function on a throwaway one).
ensure_postgres() {
    local port="${PG_PORT:-5432}" cluster="${PG_CLUSTER:-main}"
    local url="${MONITOR_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:$port/test}"
    if command -v psql >/dev/null && psql "$url" -Atqc "SELECT 1" >/dev/null 2>&1; then
        return 0
    fi
    if [ -n "${MONITOR_TEST_POSTGRES:-}" ]; then
        echo "error: MONITOR_TEST_POSTGRES=$MONITOR_TEST_POSTGRES does not answer" >&2
        return 1
    fi
    ensure_debs postgresql
    local version="${PG_VERSION:-}"
    if [ -z "$version" ]; then  # the newest installed server: /usr/lib/postgresql/VERSION
        version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
            sort -V | tail -n 1)"
    fi
    if [ -z "$version" ]; then
        echo "error: no PostgreSQL server installed under /usr/lib/postgresql" >&2
        return 1
    fi
    if [ ! -d "/etc/postgresql/$version/$cluster" ]; then
        echo "==> creating PostgreSQL $version cluster $cluster on port $port"
        as_root pg_createcluster "$version" "$cluster" --port "$port" >/dev/null
    fi
    if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
        echo "==> starting PostgreSQL $version cluster $cluster on port $port"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
        local tries=0
        until pg_isready -q -h 127.0.0.1 -p "$port"; do
            tries=$((tries + 1))
            if [ "$tries" -ge 30 ]; then
                echo "error: PostgreSQL did not start; see /var/log/postgresql/" >&2
                return 1
            fi
            sleep 1
        done
    fi
    # As the postgres system user over the Unix socket (Debian's peer authentication).
    local as_pg=(as_root runuser -u postgres -- psql -p "$port" -X -q -v ON_ERROR_STOP=1)
    if [ "$("${as_pg[@]}" -Atc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != "1" ]; then
        echo "==> creating database test"
        "${as_pg[@]}" -c "CREATE DATABASE test"
    fi
    if ! psql "$url" -Atqc "SELECT 1" >/dev/null 2>&1; then
        local hba
        hba="$("${as_pg[@]}" -Atc "SHOW hba_file")"
        echo "==> letting postgres into database test from 127.0.0.1 without a password ($hba)"
        as_root sed -i "1i host test postgres 127.0.0.1/32 trust\nhost test postgres ::1/128 trust" "$hba"
        "${as_pg[@]}" -c "SELECT pg_reload_conf()" >/dev/null
        local tries=0
        until psql "$url" -Atqc "SELECT 1" >/dev/null 2>&1; do  # the reload is asynchronous
            tries=$((tries + 1))
            if [ "$tries" -ge 10 ]; then
                psql "$url" -Atqc "SELECT 1" >/dev/null  # prints why
                return 1
            fi
            sleep 0.5
        done
    fi
}
