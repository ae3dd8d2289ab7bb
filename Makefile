# khttpd: in-kernel static web server (kmod/) + userspace daemon (userspace/).
# make             module for KDIR + daemon
# make check       install what is missing, build everything, run every suite
# make run         serve DOCROOT on 127.0.0.1:PORT until Ctrl-C (here: the module and the
#                  daemon together in QEMU; MODE=user: the daemon alone, and HTTPS on
#                  TLS_PORT with a self-signed certificate)
# make coverage   gcov report of the suites: build/coverage/index.html (slow, not in check)
# make install     daemon, units, man pages, config (kept if present), DKMS
#                  sources; DESTDIR, PREFIX (/usr/local): see install.mk
# make uninstall   the same away (a changed config stays)
# make deb         ../khttpdd_*.deb and ../khttpd-dkms_*.deb (debian/)
# make kunit | vm-test | fuzz | fuzz-long | unit | mutation | modules-all | bench | clean

# The running kernel's build tree when there is one, else the newest Debian
# header tree installed.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
DOCROOT ?= demo-site
PORT ?= 8080
TLS_PORT ?= 8443
MODE ?= auto
KERNEL ?= 6.12
FUZZ_SECONDS ?= 90
MUTATION_SAMPLE ?= 15
MUTATION_FILES ?=

.PHONY: all module modules-all daemon check run kunit vm-test fuzz fuzz-long unit \
	mutation deps bench coverage clean deb

all: module daemon

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/deps"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

modules-all:
	scripts/build-modules

daemon:
	$(MAKE) -C userspace

deps:
	scripts/deps

include install.mk

# Binary packages only, unsigned, into build/deb/ (dpkg-buildpackage
# writes to the parent directory: the tree is copied there first, so
# nothing lands beside the checkout).
deb:
	scripts/deb

check:
	scripts/check

run:
	scripts/run --mode $(MODE) --docroot $(DOCROOT) --port $(PORT) --tls-port $(TLS_PORT) --kernel $(KERNEL)

kunit:
	scripts/kunit

vm-test: modules-all daemon
	scripts/vm-test

fuzz:
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

# Every fuzz target, an hour in all.
fuzz-long:
	$(MAKE) -C tests/fuzz long

unit:
	$(MAKE) -C tests/unit check
	$(MAKE) -C userspace check

coverage:
	scripts/coverage

# Mutation testing (tests/mutation/, not part of check): MUTATION_SAMPLE
# mutants per file (0: all of them, hours), of MUTATION_FILES or every target.
mutation:
	python3 tests/mutation/test_mutants.py
	tests/mutation/run --sample $(MUTATION_SAMPLE) $(MUTATION_FILES)

bench:
	scripts/bench $(if $(QUICK),--quick)
	scripts/bench-tls $(if $(QUICK),--quick)

clean:
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	-$(MAKE) -C userspace clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/kunit-host clean
	-$(MAKE) -C tests/fuzz clean
	rm -rf build
