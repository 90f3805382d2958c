# shellcheck shell=bash
# Local stand-ins for AWS and MongoDB used by the test suite and the dev server.
#
# Source this file (it is safe under `set -euo pipefail`) and call:
#   servers_install <name>...   moto | dynalite | mongo | prism  (dynamodb/aws mean moto)
#   servers_start   <name>...   dynamodb | aws | dynalite | mongo | spapi
#                               (spapi: the SP-API stub, with a Prism mock per
#                               Amazon model started before it)
#   servers_stop   [<name>...]  stops by recorded PID; all by default
#   servers_status [<name>...]  pid / port / alive / ready, all by default
#   servers_env     <name>...   prints `export` lines (default: every running one)
#   servers_port    <name>      prints the port of a running server
#
# State lives in $SERVERS_STATE_DIR (default <repo>/.local/servers):
#   <name>.pid  <name>.port  <name>.log  (+ mongo.data/ for the database files)
# Servers listen on 127.0.0.1 only, on a free port chosen at start.
# See docs/local-servers.md for what each stand-in is for and its limits.
#
# Tunables (environment):
#   SERVERS_PYTHON          python used for moto and the probes (default python3)
#   SERVERS_MONGO_IMPL      rs (default; secantusd-rs, built by cargo install) | py (secantusd-py)
#   SERVERS_START_TIMEOUT   seconds to wait for readiness (default 60)
#   SERVERS_STOP_GRACE      seconds between TERM and KILL (default 10)
#   SERVERS_MONGO_KEEP_DATA 1 = keep .local/servers/mongo.data across restarts (default: wiped)
#   SERVERS_NO_INSTALL      1 = servers_start does not install what is missing

_SERVERS_LIB_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
SERVERS_REPO_ROOT="${SERVERS_REPO_ROOT:-$(cd -- "$_SERVERS_LIB_DIR/../.." && pwd)}"
SERVERS_HELPERS_DIR="$SERVERS_REPO_ROOT/scripts/servers.d"
SERVERS_STATE_DIR="${SERVERS_STATE_DIR:-$SERVERS_REPO_ROOT/.local/servers}"
SERVERS_NODE_DIR="${SERVERS_NODE_DIR:-$SERVERS_REPO_ROOT/.local/node}"
# Used only if the system pip refuses to install (PEP 668 "externally managed").
SERVERS_VENV_DIR="${SERVERS_VENV_DIR:-$SERVERS_REPO_ROOT/.local/venv}"
# SecantusDB (Python build) always gets its own venv: it pulls numpy/shapely.
SERVERS_SECANTUS_VENV_DIR="${SERVERS_SECANTUS_VENV_DIR:-$SERVERS_REPO_ROOT/.local/secantus-venv}"
SERVERS_PYTHON="${SERVERS_PYTHON:-python3}"
SERVERS_MONGO_IMPL="${SERVERS_MONGO_IMPL:-rs}"
SERVERS_START_TIMEOUT="${SERVERS_START_TIMEOUT:-60}"
SERVERS_STOP_GRACE="${SERVERS_STOP_GRACE:-10}"

# Pinned versions. secantus-mdb's only stable release (0.0.0) is an empty
# placeholder, so the pre-release must be named explicitly; its rust-version
# (1.98) is ahead of stable, hence --ignore-rust-version.
SERVERS_MOTO_SPEC="${SERVERS_MOTO_SPEC:-moto[server]>=5.1,<6}"
SERVERS_DYNALITE_SPEC="${SERVERS_DYNALITE_SPEC:-dynalite@4.0.0}"
SERVERS_SECANTUS_RS_VERSION="${SERVERS_SECANTUS_RS_VERSION:-0.5.3-beta.196}"
SERVERS_SECANTUS_PY_SPEC="${SERVERS_SECANTUS_PY_SPEC:-SecantusDB==0.7.0b3}"
SERVERS_PRISM_SPEC="${SERVERS_PRISM_SPEC:-@stoplight/prism-cli@5.16.0}"
# Where Prism is installed (npm prefix); the same place as dynalite by default.
SERVERS_PRISM_DIR="${SERVERS_PRISM_DIR:-$SERVERS_NODE_DIR}"
SERVERS_SPAPI_MODELS="$SERVERS_REPO_ROOT/spapi/models"

SERVERS_ALL=(dynamodb aws dynalite mongo spapi-outbound spapi-listings spapi)

# Resolve $SERVERS_PYTHON to the real interpreter once per shell: version
# manager shims (pyenv) cost a few hundred ms per call, and probes run often.
_servers_init() {
    [[ -n "${_SERVERS_PY:-}" ]] && return 0
    _SERVERS_PY="$("$SERVERS_PYTHON" -c 'import sys; print(sys.executable)' 2>/dev/null)" ||
        _servers_die "cannot run $SERVERS_PYTHON (python 3 is required)" || return 1
    [[ -n "$_SERVERS_PY" ]] || _SERVERS_PY="$SERVERS_PYTHON"
}

_servers_log() { printf 'servers: %s\n' "$*" >&2; }
_servers_die() { printf 'servers: ERROR: %s\n' "$*" >&2; return 1; }

_servers_check_name() {
    case "$1" in
        dynamodb | aws | dynalite | mongo | spapi-outbound | spapi-listings | spapi) return 0 ;;
        *) _servers_die "unknown server '$1' (expected: ${SERVERS_ALL[*]})" ;;
    esac
}

_servers_now() { date +%s.%N 2>/dev/null || date +%s; }
_servers_elapsed() { awk -v a="$1" -v b="$(_servers_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Is the named module importable by python $1? (find_spec: no import cost)
_servers_py_has() {
    local py="$1"
    shift
    "$py" - "$@" >/dev/null 2>&1 <<'EOF'
import importlib.util, sys
sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)
EOF
}

# Top-level names only: find_spec of a submodule would import its (heavy) parents.
_SERVERS_MOTO_MODULES=(moto flask flask_cors werkzeug)

# Print the python that has moto[server]: the project venv if present, else $SERVERS_PYTHON.
_servers_moto_python() {
    local py
    for py in "$SERVERS_VENV_DIR/bin/python" "${_SERVERS_PY:-$SERVERS_PYTHON}"; do
        if { [[ "$py" == */* && -x "$py" ]] || command -v "$py" >/dev/null 2>&1; } &&
            _servers_py_has "$py" "${_SERVERS_MOTO_MODULES[@]}"; then
            printf '%s\n' "$py"
            return 0
        fi
    done
    return 1
}

# apt-get install <package>, as root only (else say what is missing).
_servers_apt() {
    [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 ||
        _servers_die "$1 is required (apt-get install $1)" || return 1
    _servers_log "apt-get install $1"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "$1" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && apt-get install -y -qq "$1" >/dev/null; } ||
        _servers_die "apt-get install $1 failed"
}

_servers_ensure_venv() {
    [[ -x "$1/bin/python" ]] && return 0
    _servers_log "creating venv $1"
    "$SERVERS_PYTHON" -m venv "$1" >/dev/null 2>&1 && return 0
    rm -rf "$1"
    _servers_apt python3-venv && "$SERVERS_PYTHON" -m venv "$1" || { rm -rf "$1"; return 1; }
}

# pip install into $SERVERS_PYTHON; if pip refuses (externally managed), into $SERVERS_VENV_DIR.
_servers_pip_install() {
    local out rc=0
    out="$("$SERVERS_PYTHON" -m pip install --quiet --disable-pip-version-check "$@" 2>&1)" || rc=$?
    if [[ $rc -eq 0 ]]; then
        return 0
    fi
    if grep -qi 'externally.managed' <<<"$out"; then
        _servers_log "system pip is externally managed; using venv $SERVERS_VENV_DIR"
        _servers_ensure_venv "$SERVERS_VENV_DIR" || return 1
        "$SERVERS_VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
        return
    fi
    printf '%s\n' "$out" >&2
    return "$rc"
}

_servers_install_moto() {
    _servers_moto_python >/dev/null && return 0
    local t0
    t0="$(_servers_now)"
    _servers_log "installing $SERVERS_MOTO_SPEC (pip)"
    _servers_pip_install "$SERVERS_MOTO_SPEC" || _servers_die "pip install $SERVERS_MOTO_SPEC failed" || return 1
    _servers_moto_python >/dev/null || _servers_die "moto installed but not importable" || return 1
    _servers_log "moto installed in $(_servers_elapsed "$t0")s"
}

_servers_dynalite_cli() { printf '%s\n' "$SERVERS_NODE_DIR/node_modules/dynalite/cli.js"; }

_servers_install_dynalite() {
    [[ -f "$(_servers_dynalite_cli)" ]] && return 0
    command -v npm >/dev/null 2>&1 || _servers_die "npm not found (need Node.js + npm for dynalite)" || return 1
    local t0
    t0="$(_servers_now)"
    _servers_log "installing $SERVERS_DYNALITE_SPEC (npm, into ${SERVERS_NODE_DIR#"$SERVERS_REPO_ROOT"/})"
    mkdir -p "$SERVERS_NODE_DIR" && [[ -f "$SERVERS_NODE_DIR/package.json" ]] ||
        printf '{ "name": "stockroom-local-servers", "private": true }\n' >"$SERVERS_NODE_DIR/package.json"
    npm install --prefix "$SERVERS_NODE_DIR" --no-audit --no-fund --loglevel=error \
        "$SERVERS_DYNALITE_SPEC" >&2 || _servers_die "npm install $SERVERS_DYNALITE_SPEC failed" || return 1
    _servers_log "dynalite installed in $(_servers_elapsed "$t0")s"
}

_servers_prism_cli() { printf '%s\n' "$SERVERS_PRISM_DIR/node_modules/@stoplight/prism-cli/dist/index.js"; }

_servers_install_prism() {
    [[ -f "$(_servers_prism_cli)" ]] && return 0
    command -v npm >/dev/null 2>&1 || _servers_die "npm not found (need Node.js + npm for Prism)" || return 1
    local t0
    t0="$(_servers_now)"
    _servers_log "installing $SERVERS_PRISM_SPEC (npm, into ${SERVERS_PRISM_DIR#"$SERVERS_REPO_ROOT"/})"
    mkdir -p "$SERVERS_PRISM_DIR" && [[ -f "$SERVERS_PRISM_DIR/package.json" ]] ||
        printf '{ "name": "stockroom-local-servers", "private": true }\n' >"$SERVERS_PRISM_DIR/package.json"
    npm install --prefix "$SERVERS_PRISM_DIR" --no-audit --no-fund --loglevel=error \
        "$SERVERS_PRISM_SPEC" >&2 || _servers_die "npm install $SERVERS_PRISM_SPEC failed" || return 1
    _servers_log "Prism installed in $(_servers_elapsed "$t0")s"
}

# The SP-API stub's binary: $SERVERS_SPAPI_STUB, or built here (a no-op when
# up to date) into the workspace's target directory.
_servers_spapi_stub_bin() {
    if [[ -n "${SERVERS_SPAPI_STUB:-}" ]]; then
        printf '%s\n' "$SERVERS_SPAPI_STUB"
        return 0
    fi
    (cd "$SERVERS_REPO_ROOT" && cargo build --quiet -p stockroom-spapi-stub --bin stockroom-spapi-stub >&2) ||
        _servers_die "cargo build -p stockroom-spapi-stub failed" || return 1
    printf '%s\n' "${CARGO_TARGET_DIR:-$SERVERS_REPO_ROOT/target}/debug/stockroom-spapi-stub"
}

# Path of the SecantusDB server binary for the selected implementation (empty if absent).
_servers_secantus_bin() {
    local b
    case "$SERVERS_MONGO_IMPL" in
        rs)
            # cargo's own record says which version sits in ~/.cargo/bin; a
            # different (older) pin there counts as missing, so install upgrades it.
            local cargo_home="${CARGO_HOME:-$HOME/.cargo}"
            b="$cargo_home/bin/secantusd-rs"
            if [[ -x "$b" ]] && { [[ ! -f "$cargo_home/.crates.toml" ]] ||
                grep -q "\"secantus-mdb $SERVERS_SECANTUS_RS_VERSION " "$cargo_home/.crates.toml"; }; then
                printf '%s\n' "$b"
                return 0
            fi
            b="$(command -v secantusd-rs 2>/dev/null || true)"
            if [[ -n "$b" && -x "$b" && "$b" != "$cargo_home/bin/secantusd-rs" ]]; then
                printf '%s\n' "$b"
                return 0
            fi
            ;;
        py) for b in "$SERVERS_SECANTUS_VENV_DIR/bin/secantusd-py" "$(command -v secantusd-py)"; do
            [[ -n "$b" && -x "$b" ]] && { printf '%s\n' "$b"; return 0; }
        done ;;
        *) _servers_die "SERVERS_MONGO_IMPL must be rs or py, not '$SERVERS_MONGO_IMPL'" ;;
    esac
    return 1
}

_servers_install_mongo() {
    _servers_secantus_bin >/dev/null && return 0
    local t0
    t0="$(_servers_now)"
    case "$SERVERS_MONGO_IMPL" in
        rs)
            command -v cargo >/dev/null 2>&1 || _servers_die "cargo not found (SecantusDB rs build needs Rust)" || return 1
            # The WiredTiger build needs cmake.
            command -v cmake >/dev/null 2>&1 || _servers_apt cmake || return 1
            _servers_log "building secantusd-rs $SERVERS_SECANTUS_RS_VERSION (cargo install; ~10 min on 2 cores, once)"
            nice -n 10 cargo install secantus-mdb --version "$SERVERS_SECANTUS_RS_VERSION" \
                --locked --ignore-rust-version --quiet >&2 ||
                _servers_die "cargo install secantus-mdb failed" || return 1
            ;;
        py)
            _servers_ensure_venv "$SERVERS_SECANTUS_VENV_DIR" || _servers_die "cannot create $SERVERS_SECANTUS_VENV_DIR" || return 1
            _servers_log "installing $SERVERS_SECANTUS_PY_SPEC (pip, into ${SERVERS_SECANTUS_VENV_DIR#"$SERVERS_REPO_ROOT"/})"
            "$SERVERS_SECANTUS_VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check \
                --pre "$SERVERS_SECANTUS_PY_SPEC" || _servers_die "pip install $SERVERS_SECANTUS_PY_SPEC failed" || return 1
            ;;
        *) _servers_die "SERVERS_MONGO_IMPL must be rs or py, not '$SERVERS_MONGO_IMPL'" || return 1 ;;
    esac
    _servers_secantus_bin >/dev/null || _servers_die "secantusd-$SERVERS_MONGO_IMPL not found after install" || return 1
    _servers_log "SecantusDB ($SERVERS_MONGO_IMPL) installed in $(_servers_elapsed "$t0")s"
}

# servers_install <name>...  (moto | dynalite | mongo; dynamodb and aws mean moto)
servers_install() {
    local n names=("$@") done_moto=0
    _servers_init || return 1
    [[ ${#names[@]} -gt 0 ]] || names=(moto dynalite mongo)
    for n in "${names[@]}"; do
        case "$n" in
            moto | dynamodb | aws)
                [[ $done_moto -eq 1 ]] && continue
                done_moto=1
                _servers_install_moto || return 1
                ;;
            dynalite) _servers_install_dynalite || return 1 ;;
            mongo) _servers_install_mongo || return 1 ;;
            prism | spapi | spapi-outbound | spapi-listings) _servers_install_prism || return 1 ;;
            *) _servers_die "unknown install target '$n' (expected: moto dynalite mongo prism)" || return 1 ;;
        esac
    done
}

_servers_file() { printf '%s/%s.%s\n' "$SERVERS_STATE_DIR" "$1" "$2"; }

_servers_read() {
    local f
    f="$(_servers_file "$1" "$2")" && [[ -s "$f" ]] && tr -dc '0-9' <"$f"
}

# Alive = exists and is not a zombie (an orphaned server that exited stays a
# zombie until init reaps it, which can take a second or more in a sandbox).
_servers_pid_alive() {
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [[ "$state" != *Z* && "$state" != *X* ]]
}

# The recorded PID is only trusted if that process is alive and its command
# line carries our port (guards against PID reuse after a crash or reboot).
_servers_pid_is_ours() {
    _servers_pid_alive "$1" || return 1
    [[ " $(ps -o args= -p "$1" 2>/dev/null) " == *" --port $2 "* ]]
}

_servers_ready() {
    local name="$1" port="$2" py
    py="${_SERVERS_PY:-$SERVERS_PYTHON}"
    case "$name" in
        # A real ListTables (it also loads moto's DynamoDB backend, so the
        # first test request does not pay for that).
        dynamodb | dynalite) "$py" "$SERVERS_HELPERS_DIR/probe.py" dynamodb "http://127.0.0.1:$port" ;;
        aws) "$py" "$SERVERS_HELPERS_DIR/probe.py" http "http://127.0.0.1:$port/moto-api/config" ;;
        mongo) "$py" "$SERVERS_HELPERS_DIR/probe.py" mongo 127.0.0.1 "$port" ;;
        # Prism answers any request once its model is loaded (a 404 for a
        # path outside the model is an answer too).
        spapi-outbound | spapi-listings) "$py" "$SERVERS_HELPERS_DIR/probe.py" http "http://127.0.0.1:$port/" ;;
        spapi) "$py" "$SERVERS_HELPERS_DIR/probe.py" http "http://127.0.0.1:$port/_stub/health" ;;
    esac
}

# Running and answering? Prints "pid port" when it is.
_servers_running() {
    local name="$1" pid port
    pid="$(_servers_read "$name" pid)" || return 1
    port="$(_servers_read "$name" port)" || return 1
    _servers_pid_is_ours "$pid" "$port" || return 1
    _servers_ready "$name" "$port" || return 1
    printf '%s %s\n' "$pid" "$port"
}

_servers_forget() { rm -f "$(_servers_file "$1" pid)" "$(_servers_file "$1" port)"; }

# Fills _SERVERS_CMD with the command line for server $1 on port $2.
_servers_command() {
    local name="$1" port="$2" py bin data
    case "$name" in
        dynamodb | aws)
            py="$(_servers_moto_python)" || _servers_die "moto is not installed (servers_install moto)" || return 1
            _SERVERS_CMD=("$py" "$SERVERS_HELPERS_DIR/moto_launcher.py" --host 127.0.0.1 --port "$port")
            if [[ "$name" == aws ]]; then
                _SERVERS_CMD+=(--threaded)
            fi
            ;;
        dynalite)
            [[ -f "$(_servers_dynalite_cli)" ]] || _servers_die "dynalite is not installed (servers_install dynalite)" || return 1
            _SERVERS_CMD=(node "$(_servers_dynalite_cli)" --host 127.0.0.1 --port "$port"
                --createTableMs 0 --deleteTableMs 0 --updateTableMs 0)
            ;;
        mongo)
            bin="$(_servers_secantus_bin)" || _servers_die "secantusd-$SERVERS_MONGO_IMPL is not installed (servers_install mongo)" || return 1
            data="$SERVERS_STATE_DIR/mongo.data"
            if [[ "${SERVERS_MONGO_KEEP_DATA:-0}" != 1 ]]; then
                rm -rf "$data"
            fi
            mkdir -p "$data"
            # An explicit (empty) config file disables auto-discovery of
            # ./secantusd.toml, ~/.secantus/secantusd.toml, /etc/secantus/...
            : >"$SERVERS_STATE_DIR/secantusd.toml"
            _SERVERS_CMD=("$bin" --config "$SERVERS_STATE_DIR/secantusd.toml"
                --host 127.0.0.1 --port "$port" --storage-path "$data")
            if [[ "$SERVERS_MONGO_IMPL" == rs ]]; then
                # The WAL file is preallocated in full (default 128MB per store).
                _SERVERS_CMD+=(--log-file-max 32MB)
            else
                _SERVERS_CMD+=(--log-level WARNING)
            fi
            ;;
        spapi-outbound | spapi-listings | spapi) _servers_spapi_command "$name" "$port" || return 1 ;;
    esac
}

# Fills _SERVERS_CMD for the SP-API stand-ins (see _servers_command).
_servers_spapi_command() {
    local name="$1" port="$2" bin outbound listings model
    case "$name" in
        spapi-outbound | spapi-listings)
            [[ -f "$(_servers_prism_cli)" ]] || _servers_die "Prism is not installed (servers_install prism)" || return 1
            model=fulfillmentOutbound_2020-07-01.json
            [[ "$name" == spapi-listings ]] && model=listingsItems_2021-08-01.json
            # --errors: a request that violates the model is answered 4xx.
            _SERVERS_CMD=(node "$(_servers_prism_cli)" mock --errors -v warn
                -h 127.0.0.1 --port "$port" "$SERVERS_SPAPI_MODELS/$model")
            ;;
        spapi)
            outbound="$(servers_port spapi-outbound)" || return 1
            listings="$(servers_port spapi-listings)" || return 1
            bin="$(_servers_spapi_stub_bin)" || return 1
            _SERVERS_CMD=("$bin" --port "$port"
                --outbound-prism "http://127.0.0.1:$outbound"
                --listings-prism "http://127.0.0.1:$listings")
            ;;
    esac
}

_servers_start_one() {
    local name="$1" pid port log attempt t0 deadline running
    if running="$(_servers_running "$name")"; then
        _servers_log "$name already running (pid ${running% *}, port ${running#* }); reusing it"
        return 0
    fi
    # Stale state from a crashed or killed server: stop what is ours, forget it.
    pid="$(_servers_read "$name" pid || true)"
    port="$(_servers_read "$name" port || true)"
    if [[ -n "$pid" && -n "$port" ]] && _servers_pid_is_ours "$pid" "$port"; then
        _servers_log "$name (pid $pid) is alive but not answering; restarting it"
        _servers_stop_one "$name" || return 1
    fi
    _servers_forget "$name"

    log="$(_servers_file "$name" log)"
    for attempt in 1 2 3; do
        port="$("${_SERVERS_PY:-$SERVERS_PYTHON}" "$SERVERS_HELPERS_DIR/probe.py" free-port)" ||
            _servers_die "cannot pick a free port" || return 1
        _servers_command "$name" "$port" || return 1
        t0="$(_servers_now)"
        # nohup: survive the terminal closing; cwd = state dir so no stray
        # config files are picked up; fd 9 (the start lock) is not inherited.
        (cd "$SERVERS_STATE_DIR" && exec nohup "${_SERVERS_CMD[@]}" </dev/null >"$log" 2>&1 9>&-) &
        pid=$!
        printf '%s\n' "$pid" >"$(_servers_file "$name" pid)"
        printf '%s\n' "$port" >"$(_servers_file "$name" port)"

        deadline=$((SECONDS + SERVERS_START_TIMEOUT))
        while ((SECONDS < deadline)) && _servers_pid_alive "$pid"; do
            _servers_ready "$name" "$port" &&
                _servers_log "$name ready on 127.0.0.1:$port (pid $pid) in $(_servers_elapsed "$t0")s" && return 0
            sleep 0.1
        done

        if ! _servers_pid_alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            _servers_forget "$name"
            if grep -qiE 'address already in use|EADDRINUSE|os error 98' "$log" 2>/dev/null && [[ $attempt -lt 3 ]]; then
                _servers_log "$name: port $port was taken meanwhile; retrying on another port"
                continue
            fi
            printf 'servers: ERROR: %s exited before becoming ready (port %s). Last lines of %s:\n' \
                "$name" "$port" "$log" >&2
        else
            printf 'servers: ERROR: %s (pid %s) did not answer on port %s within %ss. Last lines of %s:\n' \
                "$name" "$pid" "$port" "$SERVERS_START_TIMEOUT" "$log" >&2
            _servers_stop_one "$name" >/dev/null 2>&1 || true
        fi
        tail -n 40 "$log" | sed 's/^/    | /' >&2 || true
        return 1
    done
    return 1
}

# Run "$@" holding the lock for server $1 (so two concurrent starts do not race).
_servers_locked() {
    local name="$1"
    shift
    command -v flock >/dev/null 2>&1 || { "$@"; return; }
    (flock -w 600 9 || _servers_die "timed out waiting for the $name lock" || exit 1; "$@") 9>"$(_servers_file "$name" lock)"
}

# servers_start <name>...   (dynamodb | aws | dynalite | mongo)
servers_start() {
    local n names=("$@")
    _servers_init || return 1
    [[ ${#names[@]} -gt 0 ]] || _servers_die "servers_start: name at least one of: ${SERVERS_ALL[*]}" || return 1
    for n in "${names[@]}"; do _servers_check_name "$n" || return 1; done
    # The stub forwards to one Prism per model: those start first.
    local expanded=()
    for n in "${names[@]}"; do
        if [[ "$n" == spapi ]]; then expanded+=(spapi-outbound spapi-listings); fi
        expanded+=("$n")
    done
    names=("${expanded[@]}")
    mkdir -p "$SERVERS_STATE_DIR"
    [[ "${SERVERS_NO_INSTALL:-0}" == 1 ]] || servers_install "${names[@]}" || return 1
    for n in "${names[@]}"; do
        _servers_locked "$n" _servers_start_one "$n" || return 1
    done
}

_servers_stop_one() {
    local name="$1" pid port deadline
    pid="$(_servers_read "$name" pid || true)"
    port="$(_servers_read "$name" port || true)"
    if [[ -z "$pid" || -z "$port" ]] || ! _servers_pid_is_ours "$pid" "$port"; then
        [[ -n "$pid" ]] && _servers_log "$name: pid $pid is gone (or no longer ours); forgetting it"
        _servers_forget "$name"
        return 0
    fi
    local signal grace=$SERVERS_STOP_GRACE
    for signal in TERM KILL; do
        kill "-$signal" "$pid" 2>/dev/null || true
        deadline=$((SECONDS + grace))
        while _servers_pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        _servers_pid_alive "$pid" || break
        _servers_log "$name (pid $pid) ignored $signal for ${grace}s"; grace=5
    done
    wait "$pid" 2>/dev/null || true # reap, if it is our child
    _servers_pid_alive "$pid" && { _servers_die "$name (pid $pid) would not die"; return 1; }
    _servers_forget "$name"
    _servers_log "$name stopped (pid $pid)"
}

# servers_stop [<name>...]   default: all
servers_stop() {
    local n names=("$@") rc=0
    [[ ${#names[@]} -gt 0 ]] || names=("${SERVERS_ALL[@]}")
    for n in "${names[@]}"; do _servers_check_name "$n" || return 1; done
    # Stopping the stub stops the Prism mocks it was started with.
    local expanded=()
    for n in "${names[@]}"; do
        expanded+=("$n")
        if [[ "$n" == spapi ]]; then expanded+=(spapi-outbound spapi-listings); fi
    done
    names=("${expanded[@]}")
    [[ -d "$SERVERS_STATE_DIR" ]] || return 0
    for n in "${names[@]}"; do _servers_stop_one "$n" || rc=1; done
    return "$rc"
}

# servers_status [<name>...]   one line per server; returns 1 if a named one is not ready
servers_status() {
    local n names=("$@") pid port alive ready rc=0
    _servers_init || return 1
    [[ ${#names[@]} -gt 0 ]] || names=("${SERVERS_ALL[@]}")
    printf '%-9s %-8s %-6s %-6s %s\n' NAME PID PORT ALIVE READY
    for n in "${names[@]}"; do
        _servers_check_name "$n" || return 1
        pid="$(_servers_read "$n" pid || true)"
        port="$(_servers_read "$n" port || true)"
        alive=no
        ready=no
        if [[ -n "$pid" && -n "$port" ]] && _servers_pid_is_ours "$pid" "$port"; then
            alive=yes
            _servers_ready "$n" "$port" && ready=yes
        fi
        [[ $# -gt 0 && $ready != yes ]] && rc=1
        printf '%-9s %-8s %-6s %-6s %s\n' "$n" "${pid:--}" "${port:--}" "$alive" "$ready"
    done
    return "$rc"
}

# servers_port <name>: port of a running server
servers_port() {
    local running
    _servers_init || return 1
    _servers_check_name "${1:-}" || return 1
    running="$(_servers_running "$1")" || _servers_die "$1 is not running (servers_start $1)" || return 1
    printf '%s\n' "${running#* }"
}

# servers_env [<name>...]   export lines for the named (default: all running) servers
servers_env() {
    local n names=("$@") port url out=""
    _servers_init || return 1
    if [[ ${#names[@]} -eq 0 ]]; then
        for n in "${SERVERS_ALL[@]}"; do _servers_running "$n" >/dev/null && names+=("$n"); done
    fi
    for n in "${names[@]}"; do
        port="$(servers_port "$n")" || return 1
        url="http://127.0.0.1:$port"
        case "$n" in
            dynamodb) out+="export AWS_ENDPOINT_URL_DYNAMODB=$url"$'\n' ;;
            aws) out+="export AWS_ENDPOINT_URL_SQS=$url"$'\n'"export AWS_ENDPOINT_URL_SESV2=$url"$'\n' ;;
            dynalite) out+="export DYNALITE_ENDPOINT=$url"$'\n' ;;
            mongo) out+="export MONGODB_URI='mongodb://127.0.0.1:$port/?directConnection=true'"$'\n' ;;
            # Not SPAPI_ENDPOINT itself: that would turn the SP-API client
            # on in every app the tests build. scripts/dev sets it.
            spapi) out+="export SPAPI_STUB_ENDPOINT=$url"$'\n' ;;
            spapi-outbound | spapi-listings) ;;
        esac
    done
    printf '%s' "$out"
    printf '%s\n' \
        "export AWS_REGION=us-east-1" \
        "export AWS_DEFAULT_REGION=us-east-1" \
        "export AWS_ACCESS_KEY_ID=testing" \
        "export AWS_SECRET_ACCESS_KEY=testing" \
        "export AWS_EC2_METADATA_DISABLED=true"
}
