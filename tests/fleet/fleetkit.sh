# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the Ansible collection's tests: several simulated hosts on one
# machine. Each host is its own irecsim lab (its devices, usbmuxd socket,
# control socket, log and lock directory), reached with Ansible's local
# connection; its environment comes from the inventory (irecctl_environment).
# Source it after `set -eu`; needs IRECSIM, IRECCTL and SRC (the source tree).
#
#   host NAME SPEC...      start a lab for inventory host NAME
#   inventory              write $tmp/inventory.yml for the hosts started
#   play PLAYBOOK [ARGS]   ansible-playbook over them; output in $tmp/out, $tmp/rc
#   ctl NAME ARGS          `irecsim ctl ARGS` in NAME's lab
#   log_of NAME            NAME's lab log
#   rc_is N, out_has RE, out_lacks RE, fail MSG
# FLEET_VERBOSE=1 copies each run's output to stderr (FLEET_RESULT_FORMAT=yaml
# for the README's; the assertions expect json).

: "${IRECSIM:?}" "${IRECCTL:?}" "${SRC:?}"
tmp=$(mktemp -d /tmp/fleet.XXXXXX)
hosts=""
bg_pids=""
# The labs (and other background helpers, $bg_pids) are stopped by pid:
# SIGTERM, on which each lab removes its own directory.
cleanup() {
	for p in $bg_pids; do kill "$p" 2>/dev/null || :; done
	for h in $hosts; do
		pid=$(cat "$tmp/$h.pid" 2>/dev/null) && kill "$pid" 2>/dev/null || :
	done
	for h in $hosts; do
		pid=$(cat "$tmp/$h.pid" 2>/dev/null) && while kill -0 "$pid" 2>/dev/null; do
			sleep 0.05
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
export TMPDIR=/tmp
FLEET_DIR="$SRC/tests/fleet"

fail() {
	echo "FAIL: $*" >&2
	[ -f "$tmp/out" ] && { echo "--- ansible-playbook output" >&2; cat "$tmp/out" >&2; }
	exit 1
}

# host NAME SPEC...: a lab in the background. Once it is up, irecsim prints
# the environment to use (export lines, IRECSIM_CONTROL last), read
# through a FIFO, so this returns the moment the lab is ready (or fails if
# it exits first).
host() {
	_h=$1
	shift
	_args=""
	for _s in "$@"; do _args="$_args --device $_s"; done
	mkfifo "$tmp/$_h.fifo"
	# --pdeathsig: the lab ends with this script even if it is SIGKILLed
	# (a CTest timeout), so no lab outlives its test.
	# shellcheck disable=SC2086
	setpriv --pdeathsig TERM "$IRECSIM" run --log "$tmp/$_h.log" $_args \
		>"$tmp/$_h.fifo" 2>"$tmp/$_h.err" &
	echo $! >"$tmp/$_h.pid"
	hosts="$hosts $_h"
	# bounded, in case a lab hangs before it reports
	timeout 60 sh -c '
		while IFS= read -r line; do
			case $line in export\ *) echo "$line" ;; esac
			case $line in export\ IRECSIM_CONTROL=*) exit 0 ;; esac
		done
		exit 1' <"$tmp/$_h.fifo" >"$tmp/$_h.env" ||
		fail "lab $_h did not report its environment: $(cat "$tmp/$_h.err")"
	mkdir -m 0755 "$tmp/$_h.locks"
}

# The value of one of the lab's variables (export K='V' lines).
lab_var() {
	sed -n "s/^export $2='\(.*\)'\$/\1/p" "$tmp/$1.env"
}

ctl() {
	_h=$1
	shift
	IRECSIM_CONTROL=$(lab_var "$_h" IRECSIM_CONTROL) "$IRECSIM" ctl "$@"
}

log_of() { cat "$tmp/$1.log"; }

# inventory: every host with its lab's environment, irecctl on PATH, its
# own lock directory, and a spy log (tests/fleet/spy.sh records argv).
inventory() {
	_bin=$(dirname "$IRECCTL")
	{
		echo "all:"
		echo "  vars:"
		echo "    ansible_connection: local"
		echo "    ansible_python_interpreter: '{{ ansible_playbook_python }}'"
		echo "    spy: '$FLEET_DIR/spy.sh'"
		echo "  hosts:"
		for _h in $hosts; do
			echo "    $_h:"
			echo "      irecctl_environment:"
			for _k in UMOCKDEV_DIR LD_PRELOAD USBMUXD_SOCKET_ADDRESS IRECSIM_CONTROL; do
				echo "        $_k: '$(lab_var "$_h" "$_k")'"
			done
			echo "        IRECCTL_LOCK_DIR: '$tmp/$_h.locks'"
			echo "        PATH: '$_bin:$PATH'"
			echo "        FLEET_SPY_LOG: '$tmp/$_h.spy'"
			echo "        IRECCTL_REAL: '$IRECCTL'"
		done
	} >"$tmp/inventory.yml"
}

# play PLAYBOOK [ARGS]: ansible-playbook with nothing from the user's
# configuration or home directory.
play() {
	: >"$tmp/ansible.cfg"
	set +e
	ANSIBLE_CONFIG="$tmp/ansible.cfg" ANSIBLE_HOME="$tmp/ansible-home" \
		ANSIBLE_LOCAL_TEMP="$tmp/ansible-local" ANSIBLE_REMOTE_TEMP="$tmp/ansible-remote" \
		ANSIBLE_COLLECTIONS_PATH="$SRC/ansible" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_FORKS=5 ANSIBLE_LOCALHOST_WARNING=0 \
		ANSIBLE_PYTHON_INTERPRETER=auto_silent \
		ANSIBLE_CALLBACK_RESULT_FORMAT="${FLEET_RESULT_FORMAT:-json}" \
		ansible-playbook -i "$tmp/inventory.yml" "$@" >"$tmp/out" 2>&1
	echo $? >"$tmp/rc"
	set -e
	[ -z "${FLEET_VERBOSE:-}" ] || cat "$tmp/out" >&2
}

rc_is() { [ "$(cat "$tmp/rc")" = "$1" ] || fail "ansible-playbook exit status $(cat "$tmp/rc"), expected $1"; }
out_has() { grep -Eq -- "$1" "$tmp/out" || fail "output lacks /$1/"; }
out_lacks() { ! grep -Eq -- "$1" "$tmp/out" || fail "output has /$1/"; }
# recap HOST OK CHANGED FAILED: the PLAY RECAP line of HOST.
recap() {
	grep -Eq "^$1 +: ok=$2 +changed=$3 +unreachable=0 +failed=$4 " "$tmp/out" ||
		fail "recap of $1 is not ok=$2 changed=$3 failed=$4"
}
