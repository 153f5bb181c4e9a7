# Shared helpers for the python buildpack (POSIX sh; sourced by bin/*).

main_py() {
    for f in app.py main.py; do
        [ -f "$1/$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

start_command() {
    main=$(main_py "$1") || return 1
    echo "python3 $main"
}

# Non-comment, non-blank lines of requirements.txt.
requirements() {
    [ -f "$1/requirements.txt" ] || return 0
    grep -Ev '^[[:space:]]*(#|$)' "$1/requirements.txt" || true
}

require_python() {
    if ! command -v python3 >/dev/null 2>&1; then
        echo "-----> python3 is not installed on stack ${CF_STACK:-unknown}; use a bookworm-* stack"
        exit 1
    fi
}
