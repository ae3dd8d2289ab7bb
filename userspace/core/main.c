// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * khttpdd: arguments, the master (listening sockets the workers accept on,
 * signals, the control socket) and the worker threads' lifetime. Started
 * as root, it opens what needs root, then drops to [SERVER] User before
 * any thread exists (core/privs.c).
 *
 *   SIGHUP  reload the config; live connections keep going
 *   SIGTERM drain: stop accepting, finish responses, exit (DrainTimeout)
 *   SIGUSR1 plugins reopen their log files
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "khttpdd.h"
#include "monotonic.h"
#include "privs.h"
#include "sdnotify.h"
#include "service.h"

static const char *config_path;
static struct config_overrides overrides = { .workers = -1 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: khttpdd [-c conf_dir_or_file] [-t] [-p [addr:]port] [-r docroot]\n"
		"               [-w workers] [-f] | -V | -h\n"
		"  -c  config directory (khttpd.conf + sites/) or single file\n"
		"  -t  test the config and exit\n"
		"  -p  listen here instead of the config's Listen lines\n"
		"  -r  document root of the default virtual host\n"
		"  -w  worker threads (0: one per CPU)\n"
		"  -f  stay in the foreground\n"
		"  -V  print the version (--version) and exit\n");
}

/*
 * Every connection is an fd: a soft RLIMIT_NOFILE of 1024 (the default
 * where nothing raised it) sheds the thousandth client. Raised to the hard
 * limit, as nginx's worker_rlimit_nofile or lighttpd's server.max-fds do.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_msg("cannot raise RLIMIT_NOFILE to %llu: %s",
			(unsigned long long)rl.rlim_max, strerror(errno));
}

static int listen_socket(const struct listen_addr *la, bool reuseport)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST,
				  .ai_family = la->host[0] ? AF_UNSPEC : AF_INET6 };
	struct addrinfo *ai;
	int fd, one = 1, zero = 0, qlen = 256;
	int defer = 1;	/* seconds; the idle timeouts still apply after it */
	int rc = getaddrinfo(la->host[0] ? la->host : NULL, la->port, &hints, &ai);

	if (rc) {
		log_msg("Listen %s:%s: %s", la->host, la->port, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && !la->host[0] && errno == EAFNOSUPPORT) {
		/* No IPv6 in this kernel: every IPv4 address then. */
		struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;

		ai->ai_family = AF_INET;
		ai->ai_addrlen = sizeof(*sin);
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(la->port));
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Accepted sockets inherit it: no setsockopt per connection. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ai->ai_family == AF_INET6 && !la->host[0])
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* Optional speed-ups: a kernel without them still serves. */
	setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen));
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4096))
		goto fail;
	freeaddrinfo(ai);
	return fd;
fail:
	log_msg("Listen %s%s%s:%s: %s", la->host[0] == 0 ? "*" : "[",
		la->host, la->host[0] ? "]" : "", la->port, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

static bool same_listen(const struct config *a, const struct config *b)
{
	if (a->nlisten != b->nlisten || a->reuseport != b->reuseport)
		return false;
	for (size_t i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].host, b->listen[i].host) ||
		    strcmp(a->listen[i].port, b->listen[i].port) ||
		    a->listen[i].tls != b->listen[i].tls)
			return false;
	return true;
}

static void reload(void)
{
	char err[512];
	struct config *cfg = config_load(config_path, &overrides, err, sizeof(err));
	struct config *old;

	sdnotify("RELOADING=1");
	if (!cfg) {
		log_msg("reload failed, keeping the running config: %s", err);
		sdnotify("READY=1");
		return;
	}
	if (server.cfg->has_tls && !cfg->has_tls) {
		/* the TLS sockets stay open until a restart: keep their certificates */
		log_msg("reload failed, keeping the running config: it has no TLS listener; Listen changes take effect after a restart");
		config_put(cfg);
		return;
	}
	if (!same_listen(cfg, server.cfg))
		log_msg("reload: Listen/Balance changes take effect after a restart");
	if (privs_reload_note(server.cfg, cfg))
		log_msg("%s", privs_reload_note(server.cfg, cfg));
	pthread_mutex_lock(&server.cfg_lock);
	old = server.cfg;
	server.cfg = cfg;
	pthread_mutex_unlock(&server.cfg_lock);
	for (unsigned i = 0; i < server.nworkers; i++)
		worker_set_config(&server.workers[i], cfg);
	atomic_fetch_add_explicit(&server.cfg_gen, 1, memory_order_release);
	config_put(old);
	log_msg("reloaded %s", config_path ? config_path : "(defaults)");
	sdnotify("READY=1");
}

static unsigned live_connections(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < server.nworkers; i++)
		n += atomic_load(&server.workers[i].nconns);
	return n;
}

/* Returns when a drain has finished or timed out. */
static void master_loop(int sfd, const int *lst, size_t nlst, int ctlfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	int64_t drain_end = 0;	/* monotonic s */

	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (ctlfd >= 0) {
		ev.data.ptr = &ctlfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, ctlfd, &ev);
	}
	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, server.draining ? 100 : -1);

		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.ptr == &ctlfd) {
				ctl_handle(ctlfd);
				continue;
			}
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP && !server.draining) {
				reload();
			} else if (si.ssi_signo == SIGUSR1) {
				for (size_t p = 0; p < khttpd_nplugins; p++)
					if (khttpd_plugins[p]->reopen)
						khttpd_plugins[p]->reopen();
			} else if ((si.ssi_signo == SIGTERM ||
				    si.ssi_signo == SIGINT) && !server.draining) {
				log_msg("draining %u connections", live_connections());
				sdnotify("STOPPING=1");
				server.draining = true;
				/*
				 * Leastconn listeners: the workers still watch
				 * them, so the fds stay (no reuse under a
				 * worker's accept) but stop listening now.
				 */
				for (size_t l = 0; l < nlst; l++)
					shutdown(lst[l], SHUT_RD);
				for (unsigned w = 0; w < server.nworkers; w++)
					worker_drain(&server.workers[w]);
				drain_end = monotonic_s() +
					    server.cfg->drain_timeout;
			}
		}
		if (server.draining) {
			if (!live_connections())
				break;
			if (monotonic_s() >= drain_end) {
				log_msg("drain timeout: dropping %u connections",
					live_connections());
				close(ep);
				ctl_close();
				exit(0);
			}
		}
	}
	close(ep);
}

int main(int argc, char **argv)
{
	bool test_only = false, foreground = false;
	char err[512];
	int *lst = NULL;
	size_t nlst = 0, nper;
	int opt, sfd, ctlfd;
	int (*wfds)[16];
	privs_caps keep = 0;
	sigset_t mask;
	struct config *cfg;

	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};

	while ((opt = getopt_long(argc, argv, "c:tp:r:w:fVh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 't': test_only = true; break;
		case 'p': overrides.port = optarg; break;
		case 'r': overrides.docroot = optarg; break;
		case 'w': overrides.workers = atoi(optarg); break;
		case 'f': foreground = true; break;
		case 'V': printf("khttpdd %s\n", KHTTPD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	/*
	 * Blocked before any thread starts (plugins may start one while the
	 * config loads), so only the master's signalfd sees them.
	 */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* One malloc arena: the workers allocate little, RSS matters more. */
	mallopt(M_ARENA_MAX, 1);
	raise_nofile();
	cfg = config_load(config_path, &overrides, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "khttpdd: %s\n", err);
		return 1;
	}
	if (test_only) {
		printf("khttpdd: %s: configuration OK (%zu virtual hosts, %zu plugins)\n",
		       config_path ? config_path : "(defaults)", cfg->nvhosts,
		       cfg->nplugins);
		config_put(cfg);
		return 0;
	}
	server.cfg = cfg;
	pthread_mutex_init(&server.cfg_lock, NULL);
	server.started = time(NULL);
	server.nworkers = cfg->workers ? cfg->workers : (unsigned)get_nprocs();
	server.workers = calloc(server.nworkers, sizeof(*server.workers));

	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	/*
	 * The control socket exists before any port accepts: whoever sees the
	 * port answer can ask the daemon what it is doing.
	 */
	ctlfd = ctl_open(cfg);
	if (!cfg->reuseport) {
		lst = calloc(cfg->nlisten, sizeof(*lst));
		for (size_t i = 0; i < cfg->nlisten; i++)
			if ((lst[i] = listen_socket(&cfg->listen[i], false)) < 0)
				return 1;
		nlst = cfg->nlisten;
	}
	/* Before any thread exists: fork keeps only the calling thread. */
	if (!foreground && daemon(0, 1)) {
		log_msg("daemon: %s", strerror(errno));
		return 1;
	}
	/* Every socket needs binding now: low ports need root. */
	nper = cfg->reuseport ? cfg->nlisten : 0;
	if (nper > 16) {
		log_msg("Balance reuseport: at most 16 Listen lines");
		return 1;
	}
	wfds = calloc(server.nworkers, sizeof(*wfds));
	for (unsigned w = 0; w < server.nworkers; w++)
		for (size_t i = 0; i < nper; i++)
			if ((wfds[w][i] = listen_socket(&cfg->listen[i], true)) < 0)
				return 1;
	for (size_t s = 0; s < khttpd_nservices; s++)
		if (!(cfg->services_off & (1u << s)))
			keep |= khttpd_services[s]->caps;
	if (privs_drop(cfg, keep, err, sizeof(err))) {
		log_msg("cannot drop privileges to User %s: %s", cfg->user, err);
		free(wfds);	/* a refused start stays clean under LeakSanitizer */
		free(lst);
		return 1;
	}
	for (size_t p = 0; p < khttpd_nplugins; p++)
		if (khttpd_plugins[p]->start &&
		    khttpd_plugins[p]->start(err, sizeof(err))) {
			log_msg("%s: %s", khttpd_plugins[p]->name, err);
			return 1;
		}
	for (unsigned w = 0; w < server.nworkers; w++)
		if (worker_start(&server.workers[w], w, cfg,
				 cfg->reuseport ? wfds[w] : lst,
				 cfg->reuseport ? nper : nlst, cfg->reuseport)) {
			log_msg("cannot start worker %u: %s", w, strerror(errno));
			return 1;
		}
	free(wfds);
	for (size_t s = 0; s < khttpd_nservices; s++)
		if (!(cfg->services_off & (1u << s)) &&
		    khttpd_services[s]->start())
			log_msg("cannot start %s: %s", khttpd_services[s]->name,
				strerror(errno));
	log_msg("serving on port %s with %u workers%s as %s (uid %u, gid %u)",
		cfg->listen[0].port, server.nworkers,
		cfg->reuseport ? " (reuseport)" : "", cfg->user,
		(unsigned)getuid(), (unsigned)getgid());
	sdnotify("READY=1");
	master_loop(sfd, lst, nlst, ctlfd);
	for (size_t s = 0; s < khttpd_nservices; s++)
		khttpd_services[s]->stop();
	for (unsigned w = 0; w < server.nworkers; w++)
		worker_cleanup(&server.workers[w]);
	for (size_t p = 0; p < khttpd_nplugins; p++)
		if (khttpd_plugins[p]->stop)
			khttpd_plugins[p]->stop();
	ctl_close();
	close(sfd);
	free(server.workers);
	free(lst);
	config_put(server.cfg);
	log_msg("stopped");
	return 0;
}
