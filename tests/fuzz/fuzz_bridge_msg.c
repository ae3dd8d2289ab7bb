// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the daemon's reader of netlink datagrams from the
 * kernel (bridge/bridge_msg.c). The daemon trusts no length it did not
 * check, even from khttpd.ko: a datagram is split into messages, each is
 * validated, and every attribute the validator hands back must lie inside
 * its message.
 */
#include <string.h>

#include "fuzz.h"
#include "bridge/bridge_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t aligned[1 << 16];
	size_t pos = 0, n, i;
	char err[256];

	/* netlink buffers are 4-byte aligned; so is this copy */
	if (size > sizeof(aligned))
		return 0;
	memcpy(aligned, data, size);
	while (pos < size && (n = bridge_msg_next(aligned + pos, size - pos))) {
		const uint8_t *msg = aligned + pos;
		struct bridge_msg m;
		uint32_t version;
		uint16_t id;
		int error;

		ENSURE(n <= size - pos);
		if (!bridge_msg_parse(msg, n, &m, err, sizeof(err))) {
			for (i = 0; i <= KHTTPD_A_MAX; i++) {
				const uint8_t *a = (const uint8_t *)m.attr[i];

				if (!a)
					continue;
				ENSURE(a >= msg && a < msg + n);
				ENSURE((const uint8_t *)bridge_msg_data(m.attr[i]) +
				       bridge_msg_len(m.attr[i]) <= msg + n);
			}
		} else {
			ENSURE(memchr(err, '\0', sizeof(err)) && err[0]);
		}
		if (bridge_msg_error(msg, n, &error) == 1)
			ENSURE(error <= 0);
		if (bridge_msg_parse_family(msg, n, &id, &version, err, sizeof(err)))
			ENSURE(err[0]);
		pos += (n + 3) & ~(size_t)3;
	}
	return 0;
}
