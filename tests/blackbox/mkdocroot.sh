#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# mkdocroot.sh DIR - build the black-box suite's fixture docroot in DIR and
# the file DIR/../outside-secret.txt that traversal attempts try to reach.
#
# POSIX sh using only busybox applets (it runs inside the QEMU guest too).
# The output is byte-for-byte deterministic, including modes and mtimes, so
# the suite builds its own copy on the host and compares against it.
#
# Content of the generated binaries (recomputable without this script):
#   bin/one.bin          the single byte 0xa5
#   bin/ten.bin          the ten bytes "0123456789" (range boundaries)
#   bin/allbytes-1k.bin  bytes 0x00..0xff, four times
#   bin/pattern-64k.bin  and bin/pattern-1m.bin: 16-byte records, record k
#                        is printf("%015x\n", 16 * k), i.e. its own offset
#   big/sparse-100m.bin  104857600 bytes, a hole except three markers:
#                        SPARSE_HEAD at 0, SPARSE_MID at 52428800 and
#                        SPARSE_TAIL ending exactly at end of file
# Every file, directory and link gets mtime 2024-01-02 03:04:05 UTC.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
D=$1
if [ -e "$D" ] && [ -n "$(ls -A "$D")" ]; then
	echo "mkdocroot: $D exists and is not empty" >&2
	exit 1
fi

umask 022
export TZ=UTC0 LC_ALL=C
MTIME='2024-01-02 03:04:05'
SPARSE_SIZE=104857600
SPARSE_HEAD='KHTTPD-SPARSE-HEAD'
SPARSE_MID='KHTTPD-SPARSE-MID'
SPARSE_TAIL='KHTTPD-SPARSE-TAIL-MARKER'
OUTSIDE_MARKER='KHTTPD-OUTSIDE-SECRET-5b1e9c07'

mkdir -p "$D"
chmod 755 "$D"
D=$(cd "$D" && pwd)
OUT=$(dirname "$D")

# Records of 16 bytes, each holding its own offset: a misplaced or
# duplicated block anywhere in the file changes the bytes.
pattern() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n / 16; i++) printf "%015x\n", i * 16 }'
}

# Write marker $2 into the sparse file $1 at offset $3 without truncating.
poke() {
	printf '%s' "$2" | dd of="$1" bs=1 seek="$3" conv=notrunc 2>/dev/null
}

mkdir -p "$D/bin" "$D/big" "$D/dir-with-index" "$D/dir-no-index" \
	"$D/a/b/c" "$D/sub dir" "$D/perm"

printf '<!doctype html>\n<title>khttpd fixture</title>\n<p>root index</p>\n' \
	> "$D/index.html"
printf 'body { color: #123456; }\n' > "$D/style.css"
printf 'console.log("khttpd fixture");\n' > "$D/app.js"
printf '{"fixture": "khttpd", "n": 1}\n' > "$D/data.json"
printf 'plain text fixture\nsecond line\n' > "$D/notes.txt"
printf 'upper-case extension\n' > "$D/SHOUT.TXT"
printf '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n' \
	> "$D/image.svg"
printf 'unknown extension\n' > "$D/blob.qqq"
printf 'no extension at all\n' > "$D/README"

: > "$D/bin/empty.bin"
printf '\245' > "$D/bin/one.bin"
printf '0123456789' > "$D/bin/ten.bin"
i=0 fmt=
while [ $i -lt 256 ]; do
	fmt="$fmt\\$(printf %03o $i)"
	i=$((i + 1))
done
for i in 1 2 3 4; do printf "$fmt"; done > "$D/bin/allbytes-1k.bin"
pattern 65536 > "$D/bin/pattern-64k.bin"
pattern 1048576 > "$D/bin/pattern-1m.bin"

truncate -s $SPARSE_SIZE "$D/big/sparse-100m.bin"
poke "$D/big/sparse-100m.bin" "$SPARSE_HEAD" 0
poke "$D/big/sparse-100m.bin" "$SPARSE_MID" 52428800
poke "$D/big/sparse-100m.bin" "$SPARSE_TAIL" $((SPARSE_SIZE - ${#SPARSE_TAIL}))

printf '<p>dir-with-index</p>\n' > "$D/dir-with-index/index.html"
printf 'beside the index\n' > "$D/dir-with-index/other.txt"
printf 'listing is not allowed\n' > "$D/dir-no-index/file.txt"
printf 'deep file\n' > "$D/a/b/c/deep.txt"
printf '<p>sub dir</p>\n' > "$D/sub dir/index.html"

# Names that need percent-encoding in a request target.
printf 'space in name\n' > "$D/with space.txt"
printf 'percent in name\n' > "$D/100%.txt"
printf 'utf-8 name\n' > "$D/$(printf '\303\274ber.txt')"
printf 'question mark in name\n' > "$D/what?.txt"
printf 'hash in name\n' > "$D/hash#tag.txt"

# Mode rules: world-readable, no execute bit, no sticky bit.
printf 'not world-readable\n' > "$D/perm/no-world-read.txt"
chmod 640 "$D/perm/no-world-read.txt"
printf '#!/bin/sh\necho executable\n' > "$D/perm/exec.sh"
chmod 755 "$D/perm/exec.sh"
printf 'sticky\n' > "$D/perm/sticky.txt"
chmod 1644 "$D/perm/sticky.txt"

# Hidden names: world-readable, yet never served (nor listed); only the
# top-level .well-known (RFC 8615) is.
HIDDEN_MARKER='KHTTPD-HIDDEN-DOTFILE-3f9a61d2'
mkdir -p "$D/.git" "$D/.well-known"
for f in .htpasswd .env .git/config .git/HEAD a/.hidden.txt \
	.well-known/.hidden.txt; do
	printf 'hidden: %s\n' "$HIDDEN_MARKER" > "$D/$f"
done
printf 'Contact: mailto:security@example.org\n' > "$D/.well-known/security.txt"

# Non-regular file (a device node would need root; a FIFO does not).
mkfifo "$D/fifo"

# Outside the docroot: must never be served.
printf 'outside the docroot: %s\n' "$OUTSIDE_MARKER" > "$OUT/outside-secret.txt"

ln -s notes.txt "$D/link-inside.txt"
ln -s a/b "$D/link-dir-inside"
ln -s ../outside-secret.txt "$D/link-outside.txt"
ln -s /etc/passwd "$D/link-etc-passwd"
ln -s .. "$D/link-dir-up"

find "$D" "$OUT/outside-secret.txt" -exec touch -h -d "$MTIME" {} +
