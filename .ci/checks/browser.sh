#!/usr/bin/env bash
# End-to-end journeys in a real browser (tests/e2e): demo instances served by gunicorn, driven
# by Playwright with Debian's Chromium (Playwright's own browser download is never used).
# COWIN_KIT_E2E_SCREENSHOTS=docs/screenshots refreshes the e2e-*.png screenshots.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update && apt-get install -y chromium fonts-noto-core
fi
export COWIN_KIT_CHROMIUM=${COWIN_KIT_CHROMIUM:-$(command -v chromium)}
.venv/bin/python -c "import playwright" 2>/dev/null || .venv/bin/pip install -q playwright
# One file per worker: a file's demo servers start once, on the worker that runs it.
.venv/bin/python -m pytest tests/e2e --browser -q --dist loadfile
