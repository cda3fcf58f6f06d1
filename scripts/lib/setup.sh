# Shared set-up for scripts/demo and scripts/test: system packages, then the virtualenv.
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

# ensure_venv EXTRA : .venv with the project installed (editable) with the given extra ("" or "test").
# Reinstalls only when pyproject.toml changed since the last install.
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
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "==> installing Python packages into .venv"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e "$spec"
        echo "$want" > "$stamp"
    fi
}
