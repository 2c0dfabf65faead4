# Sourced by .ci/run: start_postgres installs PostgreSQL from the distribution's packages when it is
# missing, starts a throwaway cluster on loopback and exports CHATEXCHANGE_TEST_POSTGRES_URL.
#
# The cluster lives in a temporary directory, listens on 127.0.0.1 only (on a free port), trusts
# local connections, runs without fsync (it is thrown away) and is stopped when the shell exits.
# PostgreSQL refuses to run as root, so under root it runs as the `postgres` system user.
# Calling start_postgres again is a no-op while its server (or an already configured one) answers.

_pg_log() { echo "ci/postgres: $*" >&2; }

# The directory holding initdb/pg_ctl: PATH first, then Debian's versioned directories (newest).
_pg_bindir() {
    local initdb dir
    initdb=$(command -v initdb 2>/dev/null || true)
    if [ -n "$initdb" ] && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$initdb")"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

_pg_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        _pg_log "no initdb/pg_ctl and no apt-get to install them"
        return 1
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
            _pg_log "no initdb/pg_ctl, and installing needs root"
            return 1
        fi
    fi
    _pg_log "installing PostgreSQL from the distribution's packages"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

# Run a command as the cluster's owner (from /: the `postgres` user may not read the checkout).
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_pg_free_port() {
    "${PYTHON:-python3}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

_pg_answers() {  # _pg_answers HOST PORT
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$1" -p "$2" -t 3
    elif [ -n "${_CHATEXCHANGE_PG_BINDIR:-}" ] && [ -x "$_CHATEXCHANGE_PG_BINDIR/pg_isready" ]; then
        "$_CHATEXCHANGE_PG_BINDIR/pg_isready" -q -h "$1" -p "$2" -t 3
    else
        return 1
    fi
}

stop_postgres() {
    if [ -n "${_CHATEXCHANGE_PG_DATA:-}" ] && [ -d "$_CHATEXCHANGE_PG_DATA" ]; then
        _pg_as_owner "$_CHATEXCHANGE_PG_BINDIR/pg_ctl" -D "$_CHATEXCHANGE_PG_DATA" -m immediate \
            -w stop >/dev/null 2>&1 || true
        rm -rf "$_CHATEXCHANGE_PG_ROOT"
        _pg_log "stopped"
    fi
    unset _CHATEXCHANGE_PG_DATA _CHATEXCHANGE_PG_ROOT
}

start_postgres() {
    # Already running (ours, or one the environment provides)?
    if [ -n "${CHATEXCHANGE_TEST_POSTGRES_URL:-}" ]; then
        local hostport host port
        hostport=${CHATEXCHANGE_TEST_POSTGRES_URL#*@}
        hostport=${hostport%%/*}
        host=${hostport%:*}
        port=${hostport##*:}
        [ "$port" = "$hostport" ] && port=5432
        if _pg_answers "$host" "$port"; then
            _pg_log "using $host:$port"
            return 0
        fi
    fi

    local bindir
    bindir=$(_pg_bindir) || { _pg_install && bindir=$(_pg_bindir); } || return 1
    _CHATEXCHANGE_PG_BINDIR=$bindir

    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres ||
            return 1
    fi

    local root port
    root=$(mktemp -d "${TMPDIR:-/tmp}/chatexchange-pg.XXXXXX") || return 1
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$root"; fi
    port=$(_pg_free_port) || { rm -rf "$root"; return 1; }

    if ! _pg_as_owner "$bindir/initdb" -D "$root/data" -U postgres -A trust -E UTF8 \
        --no-locale --no-sync >"$root/initdb.log" 2>&1; then
        _pg_log "initdb failed:"; cat "$root/initdb.log" >&2; rm -rf "$root"; return 1
    fi
    if ! _pg_as_owner "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $root -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
        start >/dev/null; then
        _pg_log "the server did not start:"; cat "$root/server.log" >&2; rm -rf "$root"; return 1
    fi
    _CHATEXCHANGE_PG_ROOT=$root
    _CHATEXCHANGE_PG_DATA=$root/data
    trap stop_postgres EXIT

    if ! _pg_as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres chatexchange_test \
        2>"$root/createdb.log"; then
        _pg_log "createdb failed:"; cat "$root/createdb.log" >&2; stop_postgres; return 1
    fi
    export CHATEXCHANGE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/chatexchange_test"
    _pg_log "$("$bindir/pg_ctl" --version) on 127.0.0.1:$port"
}
