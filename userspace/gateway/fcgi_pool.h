/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Connections to a FastCGI app server, for the FastCGI backend
 * (fcgi_request.c): an idle one kept from an earlier request, or a new
 * one. With KeepConn the app keeps a connection open after a request, and
 * each worker thread keeps up to PoolSize idle ones per server, so that a
 * request does not pay for a connect.
 */
#ifndef KHTTPDD_GATEWAY_FCGI_POOL_H
#define KHTTPDD_GATEWAY_FCGI_POOL_H

#include <stdbool.h>
#include <sys/socket.h>

/* An app server, as a [FASTCGI] section configures it. */
struct fcgi_server {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char name[128];			/* the Server value, for logs */
	bool keep_conn;			/* KeepConn: reuse app connections */
	unsigned pool_size;		/* PoolSize: idle ones per worker */
};

/*
 * A connection to srv for the calling worker: an idle one the app has not
 * closed meanwhile, or a new non-blocking one, then *connecting tells
 * whether its connect() is still under way. -1 when it cannot connect.
 */
int fcgi_pool_connect(const struct fcgi_server *srv, bool *connecting);
/* A connection that finished its request cleanly: kept idle or closed. */
void fcgi_pool_put(const struct fcgi_server *srv, int fd);
/* Close the idle connections to srv (NULL: to every server). */
void fcgi_pools_drop(const struct fcgi_server *srv);

#endif /* KHTTPDD_GATEWAY_FCGI_POOL_H */
