#!/usr/bin/env bash
# Quick start: set up .venv on first use, then run the demo county on http://127.0.0.1:8000.
# Usage: bash scripts/demo.sh [--port N]
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
tuijin_bootstrap
exec "$VENV/bin/tuijin" demo "$@"
