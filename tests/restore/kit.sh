# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for tests/restore/cases.sh: the real restore engine against the
# simulated lab, with a loopback signing stand-in, inside a network
# namespace that has loopback only (netns.sh puts every case there).
#
#   signer MODE          start the signing stand-in (ok, refuse, unreachable, hold)
#   ipsw NAME [ARGS]     a fixture IPSW ($tmp/NAME.ipsw), mkipsw.py ARGS
#   rlab SPEC... -- SCRIPT   SCRIPT in a lab (casekit's inlab), engine env set
#   log_has RE / log_lacks RE   the lab log (what the devices saw)
#   engine_never_ran     no engine run: no per-run log, the device saw nothing
#
# Sourced after casekit.sh.

here=$(cd "$(dirname "$0")" && pwd)

# Absolute guard: never anything that could reach the network outside a
# loopback-only namespace. netns.sh checked; check again, whoever runs us.
_only_lo=$(tail -n +3 /proc/self/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')
if [ "${IRECCTL_IN_NETNS:-}" != 1 ] || [ "$_only_lo" != "lo " ]; then
	echo "kit.sh: refusing to run outside a loopback-only network namespace (use netns.sh)" >&2
	exit 99
fi
command -v idevicerestore >/dev/null || { echo "no idevicerestore: skipped" >&2; exit 77; }
command -v openssl >/dev/null || { echo "no openssl: skipped" >&2; exit 77; }

export XDG_STATE_HOME="$tmp/state"
STATE="$XDG_STATE_HOME/irecctl"
AUDIT="$STATE/restore-audit.jsonl"
SIGNER_LOG="$tmp/signer.log"
# The engine's version, asked inside the namespace like everything else.
ENGINE_VERSION=$(idevicerestore -v 2>/dev/null | sed -n 's/^idevicerestore //p')
export ENGINE_VERSION

signer() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
		-days 2 -subj /CN=gs.apple.com -addext subjectAltName=DNS:gs.apple.com 2>/dev/null
	[ "$1" = hold ] && mkfifo "$SIGNER_LOG.release"
	python3 "$here/signer.py" "$1" "$tmp/port" "$SIGNER_LOG" "$tmp/cert.pem" "$tmp/key.pem" &
	SIGNER_PID=$!
	trap 'kill $SIGNER_PID 2>/dev/null; rm -rf "$tmp"' EXIT
	"$WAIT_TEXT" "$tmp/port" '^[0-9]' || fail "the signing stand-in did not start"
	https_proxy="http://127.0.0.1:$(cat "$tmp/port")"
	export https_proxy http_proxy="$https_proxy" HTTPS_PROXY="$https_proxy"
}

ipsw() {
	_name=$1
	shift
	python3 "$here/mkipsw.py" "$tmp/$_name.ipsw" "$@"
}

rlab() {
	inlab "$@"
}

log_has() { grep -Eq -- "$1" "$LAB_LOG" || fail "the lab log lacks /$1/"; }
log_lacks() { ! grep -Eq -- "$1" "$LAB_LOG" || fail "the lab log has /$1/"; }
log_count() { [ "$(grep -Ec -- "$1" "$LAB_LOG")" = "$2" ] || fail "the lab log has $(grep -Ec -- "$1" "$LAB_LOG") of /$1/, expected $2"; }

# Nothing was written to the device: no iBoot command but reads (getenv:
# irecctl's own discovery reads the iBoot version), no upload, no restore.
nothing_written() {
	log_lacks 'usb (upload-start|bulk-out)'
	! grep 'usb ctrl-out' "$LAB_LOG" | grep -qv '"getenv ' ||
		fail "the device got a command: $(grep 'usb ctrl-out' "$LAB_LOG" | grep -v '"getenv ' | head -1)"
	log_lacks 'restored StartRestore'
}

engine_never_ran() {
	nothing_written
	log_lacks 'prog=idevicerestore'
	! ls "$STATE"/logs/restore-* >/dev/null 2>&1 || fail "an engine run was logged"
}

audit_has() { grep -Eq -- "$1" "$AUDIT" || fail "the audit log lacks /$1/"; }

engine_is_100() { [ "$ENGINE_VERSION" = 1.0.0 ]; }
