# make install / make uninstall (included by the Makefile): the FHS layout
# the Debian packages use too (debian/rules runs these with PREFIX=/usr).
#   DESTDIR     staging root (packages), empty for a live install
#   PREFIX      /usr/local; binaries in PREFIX/sbin and PREFIX/bin, the
#               man pages and the default site in PREFIX/share
#   SYSCONFDIR  /etc: khttpd/ (never overwritten when present), modprobe.d,
#               logrotate.d
#   UNITDIR     /lib/systemd/system
#   DKMSDIR     /usr/src: the module's sources, khttpd-VERSION/, for DKMS
#   LOGDIR      /var/log/khttpd, the installed config's logs
# install-daemon and install-dkms are the two packages' halves.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
# The installed config's logs (khttpdd -t opens them: it must exist).
LOGDIR ?= /var/log/khttpd
DKMSDIR ?= /usr/src
KHTTPD_VERSION := $(lastword $(file <VERSION))

D := $(DESTDIR)
CONFDIR := $(SYSCONFDIR)/khttpd
WWWDIR := $(DATADIR)/khttpd/www
DKMS_TREE := $(DKMSDIR)/khttpd-$(KHTTPD_VERSION)
# The paths a unit, a config or a man page names, as installed.
SUBST := sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|@WWWDIR@|$(WWWDIR)|g' \
	-e 's|@VERSION@|$(KHTTPD_VERSION)|g' -e 's|/srv/khttpd/www|$(WWWDIR)|g'

# What the module needs to build: the top Kbuild builds kmod/khttpd.ko.
DKMS_FILES := dkms.conf Kbuild VERSION kmod/Kbuild $(wildcard kmod/*.[ch]) \
	$(wildcard lib/*.[ch]) $(wildcard include/khttpd/*.h) \
	include/uapi/linux/khttpd.h
WWW_FILES := $(shell cd demo-site && find * -type f | sort)
# man/NAME.N goes to MANDIR/manN/NAME.N.
man_dest = $(D)$(MANDIR)/man$(subst .,,$(suffix $(1)))/$(notdir $(1))
# Config files (source -> below SYSCONFDIR): installed when absent, removed
# by uninstall when unchanged.
DAEMON_CONF := userspace/conf/khttpd.conf:khttpd/khttpd.conf \
	userspace/conf/sites/default:khttpd/sites/default \
	dist/logrotate.d/khttpdd:logrotate.d/khttpdd
DKMS_CONF := dist/modprobe.d/khttpd.conf:modprobe.d/khttpd.conf
conf_from = $(firstword $(subst :, ,$(1)))
conf_to = $(D)$(SYSCONFDIR)/$(lastword $(subst :, ,$(1)))

define install_conf
	@$(foreach c,$(1),\
		if [ -e $(call conf_to,$(c)) ]; then \
			echo "install: keeping $(call conf_to,$(c))"; \
		else mkdir -p $(dir $(call conf_to,$(c))) && \
			$(SUBST) $(call conf_from,$(c)) > $(call conf_to,$(c)) && \
			echo "install: $(call conf_to,$(c))"; fi;)
endef

define uninstall_conf
	@$(foreach c,$(1),\
		if $(SUBST) $(call conf_from,$(c)) | cmp -s - $(call conf_to,$(c)); then \
			rm -f $(call conf_to,$(c)); \
		elif [ -e $(call conf_to,$(c)) ]; then \
			echo "uninstall: keeping the changed $(call conf_to,$(c))"; fi;)
endef

define install_unit
	@mkdir -p $(D)$(UNITDIR)
	$(SUBST) dist/$(1) > $(D)$(UNITDIR)/$(1)
endef

.PHONY: install uninstall install-daemon install-dkms uninstall-daemon uninstall-dkms
install: install-daemon install-dkms
uninstall: uninstall-daemon uninstall-dkms

# The khttpdd package: daemon, khttpctl, config, unit, default site.
install-daemon: daemon
	install -D -m 0755 userspace/build/khttpdd $(D)$(SBINDIR)/khttpdd
	install -D -m 0755 userspace/build/khttpctl $(D)$(BINDIR)/khttpctl
	@$(foreach f,$(WWW_FILES),install -D -m 0644 demo-site/$(f) $(D)$(WWWDIR)/$(f);)
	@$(foreach m,man/khttpdd.8 man/khttpctl.8 man/khttpd.conf.5,\
		mkdir -p $(dir $(call man_dest,$(m))) && \
		$(SUBST) $(m) > $(call man_dest,$(m));)
	$(call install_unit,khttpdd.service)
	install -d -m 0750 $(D)$(LOGDIR)
	$(call install_conf,$(DAEMON_CONF))

# The khttpd-dkms package: the module's sources, its unit and options.
install-dkms:
	@$(foreach f,$(DKMS_FILES),install -D -m 0644 $(f) $(D)$(DKMS_TREE)/$(f);)
	@mkdir -p $(dir $(call man_dest,man/khttpd.4))
	$(SUBST) man/khttpd.4 > $(call man_dest,man/khttpd.4)
	$(call install_unit,khttpd-module.service)
	$(call install_conf,$(DKMS_CONF))

uninstall-daemon:
	rm -f $(D)$(SBINDIR)/khttpdd $(D)$(BINDIR)/khttpctl \
		$(D)$(UNITDIR)/khttpdd.service \
		$(foreach m,man/khttpdd.8 man/khttpctl.8 man/khttpd.conf.5,$(call man_dest,$(m)))
	rm -rf $(D)$(DATADIR)/khttpd
	$(call uninstall_conf,$(DAEMON_CONF))
	-@rmdir $(D)$(CONFDIR)/sites $(D)$(CONFDIR) $(D)$(LOGDIR) 2>/dev/null

uninstall-dkms:
	rm -rf $(D)$(DKMS_TREE)
	rm -f $(D)$(UNITDIR)/khttpd-module.service $(call man_dest,man/khttpd.4)
	$(call uninstall_conf,$(DKMS_CONF))
