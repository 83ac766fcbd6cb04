#!/usr/bin/env bash
# The script of the awaitwise GitHub Action (action.yml beside it). It installs awaitwise from the
# repository this file belongs to (two folders up: the action's checkout, at the ref the workflow
# names) into a virtualenv of its own, then runs `awaitwise check --output-format github` over the
# workspace with the arguments in AWAITWISE_ARGS. The exit status is awaitwise's: 0 nothing found,
# 1 findings, 2 a usage or configuration error.
#
# AWAITWISE_ARGS    paths and options, split on whitespace, never glob-expanded (default: .)
# AWAITWISE_PYTHON  the interpreter for the virtualenv (default: python3)
# RUNNER_TEMP       where the virtualenv goes (set by GitHub; default: $TMPDIR or /tmp)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
python="${AWAITWISE_PYTHON:-python3}"
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/awaitwise-action-venv"

# One install per job and source: a second use of the action from the same checkout reuses it.
if [ ! -x "$venv/bin/awaitwise" ] || [ "$(cat "$venv/awaitwise-source" 2>/dev/null)" != "$source_dir" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$source_dir"
  printf '%s' "$source_dir" > "$venv/awaitwise-source"
fi

set -f  # split the arguments on whitespace, but expand no glob in them
# shellcheck disable=SC2086
exec "$venv/bin/awaitwise" check --output-format github ${AWAITWISE_ARGS:-.}
