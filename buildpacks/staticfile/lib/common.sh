# Shared helpers for the staticfile buildpack (POSIX sh; sourced by bin/*).

# The document root from Staticfile's "root: <dir>" line, else "." (the app dir itself).
static_root() {
    root=
    if [ -f "$1/Staticfile" ]; then
        root=$(sed -n 's/^[[:space:]]*root:[[:space:]]*//p' "$1/Staticfile" | head -n 1 |
               tr -d "\"'\r" | sed 's/[[:space:]]*$//; s:/*$::')
    fi
    echo "${root:-.}"
}

# At start: record the machine's arch in <root>/arch.txt, then serve <root> with busybox httpd.
start_command() {
    root=$(static_root "$1")
    echo "uname -m > $root/arch.txt; exec busybox httpd -f -p \$PORT -h $root"
}
