#!/usr/bin/env bash
# e2e/run.sh: the ccxt end-to-end test (issue #4, point 7).
#
# Builds waterfall, starts `waterfall serve` on a fresh data directory and a
# loopback port (E2E_PORT, default: a free one), runs e2e/ccxt/ccxt_e2e.mjs
# against it with WATERFALL_URL and WATERFALL_ADMIN_TOKEN set, and always
# stops the server. Exits non-zero when the build, the start or any check
# fails. Needs Go and Node >= 20.19, after `npm ci` in e2e/ccxt.
# E2E_CLOCK=manual serves with the manual clock (the script then advances it
# past a funding hour); the default is the wall clock.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
e2e="$root/e2e/ccxt"
clock="${E2E_CLOCK:-wall}"

if [ ! -d "$e2e/node_modules/ccxt" ]; then
	echo "e2e: ccxt is not installed; run: (cd e2e/ccxt && npm ci)" >&2
	exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/waterfall-e2e.XXXXXX")"
pid=""

stop_server() {
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "e2e: server did not stop on SIGTERM within 10 s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
	pid=""
}

cleanup() {
	local rc=$?
	stop_server
	if [ "$rc" -ne 0 ] && [ -f "$tmp/server.log" ]; then
		echo "e2e: server log (last 40 lines):" >&2
		tail -n 40 "$tmp/server.log" >&2 || true
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "e2e: building waterfall"
(cd "$root" && go build -o "$tmp/waterfall" ./cmd/waterfall)

token="e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$tmp/waterfall" serve --clock "$clock" --data "$tmp/data" \
	--addr "127.0.0.1:${E2E_PORT:-0}" --admin-token "$token" >"$tmp/server.log" 2>&1 &
pid=$!

# The banner's first line names the address actually bound (port 0 picks one).
url=""
for _ in $(seq 1 300); do
	url="$(sed -n 's/^Waterfall is serving on \(http:\/\/[^ ]*\).*/\1/p' "$tmp/server.log" | head -n 1)"
	[ -n "$url" ] && break
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "e2e: server exited before listening" >&2
		exit 1
	fi
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "e2e: server did not start listening within 30 s" >&2
	exit 1
fi
echo "e2e: server at $url (clock $clock, data $tmp/data)"

rc=0
WATERFALL_URL="$url" WATERFALL_ADMIN_TOKEN="$token" node "$e2e/ccxt_e2e.mjs" || rc=$?

if ! kill -0 "$pid" 2>/dev/null; then
	echo "e2e: the server died during the test" >&2
	rc=1
fi
stop_server
exit "$rc"
