# Shared helpers for the ruby buildpack (POSIX sh; sourced by bin/*).

# The first *.rb in the app root that requires sinatra (app.rb preferred), as in the seed's
# detection rule: \s*require[\s\(]*['"]sinatra(/base)?['"]
sinatra_main() {
    for f in "$1/app.rb" "$1"/*.rb; do
        [ -f "$f" ] || continue
        if grep -Eq "require[[:space:](]*['\"]sinatra(/base)?['\"]" "$f"; then
            echo "${f##*/}"
            return 0
        fi
    done
    return 1
}

# Any *.rb in the app root (app.rb, then main.rb, then the first one).
any_main() {
    for f in "$1/app.rb" "$1/main.rb" "$1"/*.rb; do
        [ -f "$f" ] && { echo "${f##*/}"; return 0; }
    done
    return 1
}

# The web start command for the app in $1 ($PORT stays literal).
start_command() {
    bundle_exec=
    if [ -f "$1/Gemfile" ] && command -v bundle >/dev/null 2>&1; then
        bundle_exec="bundle exec "
    fi
    if [ -f "$1/config.ru" ]; then
        echo "${bundle_exec}rackup -p \$PORT -o 0.0.0.0"
        return 0
    fi
    main=$(sinatra_main "$1" || any_main "$1") || return 1
    echo "${bundle_exec}ruby $main -p \$PORT -o 0.0.0.0"
}

require_ruby() {
    if ! command -v ruby >/dev/null 2>&1; then
        echo "-----> ruby is not installed on stack ${CF_STACK:-unknown}; use a bookworm-* stack"
        exit 1
    fi
}

# The stack's own gem directories (Debian's ruby gems live there).
stack_gem_path() {
    env -u GEM_HOME -u GEM_PATH ruby -e 'print Gem.default_path.join(":")'
}
