/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * systemd's readiness protocol (Type=notify) without libsystemd: one
 * datagram per state change to the unix socket named by $NOTIFY_SOCKET.
 */
#ifndef KHTTPD_SDNOTIFY_H
#define KHTTPD_SDNOTIFY_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

/*
 * $NOTIFY_SOCKET's value as an address: an absolute path, or "@name" for
 * the abstract namespace. False for anything else (unset, relative, too
 * long), which means: not started by systemd, send nothing.
 */
bool sdnotify_addr(const char *env, struct sockaddr_un *sun, socklen_t *len);

/* Sends "READY=1", "RELOADING=1", ... when $NOTIFY_SOCKET names a socket. */
void sdnotify(const char *state);

#endif
