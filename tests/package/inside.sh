#!/bin/bash
# Runs inside the clean chroot (tests/package/run_install copies it there
# with the two .debs): install them, check what they did, purge them,
# check that what they made is gone. (That nothing else is left or changed
# run_install sees outside, in the overlay's upper directory.) One
# "ok"/"not ok" line per check, then the tally. $1: the directory holding
# the .debs, $2: VERSION.
set -uo pipefail
dir=$1 version=$2
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }
check() { # name command...
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name: $(tail -c 600 <<< "$out")"; fi
}

check "apt installs both packages resolving their Depends" \
	apt-get install -y -qq "$dir"/khttpdd_*.deb "$dir"/khttpd-dkms_*.deb

user_is_system() {
	local uid shell
	uid=$(id -u khttpd) && shell=$(getent passwd khttpd | cut -d: -f7) &&
	[ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ] &&
	getent group khttpd >/dev/null
}
check "postinst made the khttpd system user and group, no login" user_is_system

# Every kernel with headers (a build link) has our module, of this
# version, for that kernel: plain .ko for 6.1, .ko.xz where the kernel's
# config compresses its modules (6.12).
built_for_both() {
	local n=0 k ko v
	for k in $(ls /lib/modules); do
		[ -e "/lib/modules/$k/build" ] || continue
		ko=$(find "/lib/modules/$k/updates/dkms" -name 'khttpd.ko*' 2>/dev/null)
		[ "$(echo "$ko" | grep -c .)" -eq 1 ] || { echo "no single khttpd.ko* for $k: '$ko'"; return 1; }
		v=$(modinfo -F version "$ko") || return 1
		[ "$v" = "$version" ] || { echo "$ko: version $v, not $version"; return 1; }
		modinfo -F vermagic "$ko" | grep -q "^$k " ||
			{ echo "$ko: vermagic $(modinfo -F vermagic "$ko"), not $k"; return 1; }
		# depmod knows it: modprobe khttpd would find it.
		grep -q "^updates/dkms/${ko##*/}:" "/lib/modules/$k/modules.dep" ||
			{ echo "$k: modules.dep does not list $ko"; return 1; }
		echo "$ko"
		case $k in 6.1.*) n=$((n | 1)) ;; 6.12.*) n=$((n | 2)) ;; esac
	done
	[ $n -eq 3 ] || { echo "not built for both 6.1 and 6.12: $(dkms status)"; return 1; }
}
check "DKMS built khttpd.ko $version for the 6.1 and 6.12 headers" built_for_both

config_ok() {
	local out
	out=$(khttpdd -t -c /etc/khttpd 2>&1) || { echo "$out"; return 1; }
	echo "$out" | grep -q "configuration OK" || { echo "$out"; return 1; }
}
check "khttpdd -t accepts the installed /etc/khttpd" config_ok
check "khttpdd --version is VERSION" sh -c "[ \"\$(khttpdd --version)\" = \"khttpdd $version\" ]"
check "the modprobe.d options name the installed docroot" \
	grep -q "^options khttpd .*docroot=/usr/share/khttpd/www" /etc/modprobe.d/khttpd.conf

check "dpkg purges both packages" dpkg --purge khttpdd khttpd-dkms
# The module, its updates/dkms directory, DKMS's tree and depmod's
# mention of it are gone for every kernel (the modules.* files depmod
# rewrote stay: they are the kernel's, run_install checks they do not
# name khttpd).
gone() {
	! getent passwd khttpd && ! getent group khttpd &&
	! find /lib/modules /var/lib/dkms /usr/src -name 'khttpd*' | grep . &&
	! find /lib/modules -path '*/updates/dkms' | grep . &&
	! grep -rl khttpd /lib/modules/*/modules.* 2>/dev/null &&
	[ -z "$(dkms status khttpd)" ]
}
check "purge removed the user, the group, every built module and DKMS's tree" gone
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
