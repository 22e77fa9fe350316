#!/usr/bin/env bash
# Existing open-source CoWIN clients, installed from PyPI as published, run against a demo
# instance with only the host replaced (see tests/compat/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/cowin-kit/clients
mkdir -p "$cache"
if [ ! -x "$cache/wrapper/bin/python" ]; then
  python3 -m venv "$cache/wrapper"
  # Its 2021 pin fake-useragent==0.1.11 downloads browser data at run time (no network here);
  # the client's own code is unchanged, only that dependency is a current, offline release.
  "$cache/wrapper/bin/pip" install -q --no-deps "cowin==0.0.5"
  "$cache/wrapper/bin/pip" install -q "fake-useragent>=1.5" requests
fi
if [ ! -x "$cache/async/bin/python" ]; then
  python3 -m venv "$cache/async"
  "$cache/async/bin/pip" install -q "cowin-async==1.1"
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export COWIN_KIT_INSTANCE_DIR="$work/instance" COWIN_KIT_OTP_RESEND_SECONDS=0
"$root/.venv/bin/cowin-kit" demo --instance-dir "$work/instance" --port "$port" --workers 1 \
  > "$work/demo.log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true; wait $demo 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $demo 2>/dev/null || { cat "$work/demo.log"; exit 1; }
  sleep 1
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "demo did not become ready"; cat "$work/demo.log"; exit 1; }
# (no `tee /dev/stderr`: reopening stderr truncates CI's log when it is a file)
wrapper_out=$("$cache/wrapper/bin/python" tests/compat/wrapper_client.py "http://127.0.0.1:$port")
printf '%s\n' "$wrapper_out"
pin=$(printf '%s\n' "$wrapper_out" | sed -n 's/^pincode: //p')
"$cache/async/bin/python" tests/compat/async_client.py "http://127.0.0.1:$port" "$root/.venv/bin/cowin-kit" "$pin"
