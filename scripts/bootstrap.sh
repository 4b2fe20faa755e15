# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/test.sh: find Python >= 3.11, create .venv when it
# is missing or broken, and install the project with its dev extras when pyproject.toml has
# changed since the last install. Reruns with nothing to do take well under a second.
#
# After sourcing, call `tuijin_bootstrap`; it leaves the shell in the repository root and sets
# TUIJIN_ROOT and VENV.

TUIJIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$TUIJIN_ROOT/.venv"
STAMP="$VENV/.tuijin-installed"

_say() { printf '[bootstrap] %s\n' "$*" >&2; }
_die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

# A Python that runs and is at least 3.11. pyenv shims exist for versions that are not
# installed, so every candidate is actually run, not just looked up.
_find_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
        then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

_venv_python_ok() {
    [ -x "$VENV/bin/python" ] \
        && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

_venv_has_pip() { "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; }

# Keeps the output of the last attempt, for the error message.
_venv_output=""
_make_venv() { _venv_output="$("$1" -m venv "$VENV" 2>&1)" && _venv_has_pip; }

# Debian and Ubuntu ship the venv module's ensurepip in a separate package (python3-venv,
# which pulls python3.X-venv for the default python3; other versions need python3.X-venv).
_apt_install_venv() {
    local python="$1" minor
    minor="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    export DEBIAN_FRONTEND=noninteractive
    _say "the venv module is missing; installing python3-venv with apt-get"
    apt-get update -qq >/dev/null || _die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends python3-venv >/dev/null 2>&1 || true
    _make_venv "$python" && return 0
    rm -rf "$VENV"
    apt-get install -y -qq --no-install-recommends "python${minor}-venv" >/dev/null 2>&1 || true
    _make_venv "$python"
}

tuijin_bootstrap() {
    cd "$TUIJIN_ROOT" || _die "cannot cd to $TUIJIN_ROOT"

    # A .venv made without pip (uv, --without-pip) is kept and given pip.
    if _venv_python_ok && ! _venv_has_pip; then
        "$VENV/bin/python" -m ensurepip --upgrade >/dev/null 2>&1 || true
    fi
    if ! _venv_python_ok || ! _venv_has_pip; then
        local python
        python="$(_find_python)" || _die "Python 3.11 or newer is needed (tried python3.13, \
python3.12, python3.11, python3). On Debian/Ubuntu: sudo apt-get install python3 python3-venv"
        _say "creating .venv with $python ($("$python" -V 2>&1))"
        rm -rf "$VENV"
        if ! _make_venv "$python"; then
            rm -rf "$VENV"
            if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
                if ! _apt_install_venv "$python"; then
                    rm -rf "$VENV"
                    printf '%s\n' "$_venv_output" >&2
                    _die "'$python -m venv .venv' still fails after installing python3-venv"
                fi
            else
                printf '%s\n' "$_venv_output" >&2
                _die "'$python -m venv .venv' failed: the venv module is missing. \
On Debian/Ubuntu run: sudo apt-get install python3-venv   (then run this script again)"
            fi
        fi
        rm -f "$STAMP"
    fi

    if [ ! -e "$STAMP" ] || [ "$TUIJIN_ROOT/pyproject.toml" -nt "$STAMP" ]; then
        _say "installing Tuijin and its dev dependencies into .venv (first run takes a minute)"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            -e "${TUIJIN_ROOT}[dev]" || _die "pip install -e '.[dev]' failed (see above)"
        touch "$STAMP"
    fi
}
