# mk/install.mk - make install, make uninstall and their test; included by
# the Makefile, whose variables (B, PREFIX, BINDIR, DATADIR, MANDIR,
# BASHCOMPDIR, SYSCONFDIR, SYSTEMDUNITDIR, DESTDIR) it uses.
#
# What goes where (PREFIX=/usr/local, SYSCONFDIR=/etc by default):
#   BINDIR/smtpprobe                       the program
#   DATADIR/profiles/*.yaml                provider profiles
#   DATADIR/profiles/catalogs/*.yaml       reply catalogs (and their README)
#   DATADIR/schemas/*.schema.json          JSON Schemas of the --json documents
#   MANDIR/man1/smtpprobe.1                the manual
#   MANDIR/man5/smtpprobe.yaml.5           the config file format
#   BASHCOMPDIR/smtpprobe                  bash completion
#   SYSCONFDIR/smtpprobe/smtpprobe.yaml.sample   a commented sample config
#   SYSCONFDIR/cron.d/smtpprobe            the cron example, commented out
#   SYSTEMDUNITDIR/smtpprobe.{service,timer}    units, not enabled
#   SYSTEMDUNITDIR/smtpprobe-serve.service      smtpprobe serve, not enabled
#   DATADIR/prometheus/                    alerting rules and their test,
#                                          the Grafana dashboard
#
# Nothing installed runs by itself: the cron line is a comment and the
# timer is not enabled. The units and the cron file name BINDIR, so they
# are written with BINDIR filled in.

# Sub-makes name this file with -f while the Makefile also includes it.
ifndef SMTPPROBE_INSTALL_MK
SMTPPROBE_INSTALL_MK = 1

INSTALL		?= install
INSTALL_FILES	= $(BINDIR)/smtpprobe \
		  $(patsubst profiles/%,$(DATADIR)/profiles/%,$(wildcard profiles/*.yaml)) \
		  $(patsubst profiles/catalogs/%,$(DATADIR)/profiles/catalogs/%, \
		      $(wildcard profiles/catalogs/*.yaml) profiles/catalogs/README.md) \
		  $(patsubst scripts/schemas/%,$(DATADIR)/schemas/%, \
		      $(wildcard scripts/schemas/*.schema.json)) \
		  $(MANDIR)/man1/smtpprobe.1 $(MANDIR)/man5/smtpprobe.yaml.5 \
		  $(BASHCOMPDIR)/smtpprobe \
		  $(SYSCONFDIR)/smtpprobe/smtpprobe.yaml.sample \
		  $(SYSCONFDIR)/cron.d/smtpprobe \
		  $(SYSTEMDUNITDIR)/smtpprobe.service \
		  $(SYSTEMDUNITDIR)/smtpprobe.timer \
		  $(SYSTEMDUNITDIR)/smtpprobe-serve.service \
		  $(patsubst contrib/prometheus/%,$(DATADIR)/prometheus/%, \
		      $(wildcard contrib/prometheus/*))

# @BINDIR@ in the units and the cron file becomes the real BINDIR.
install_subst	= sed -e 's|@BINDIR@|$(BINDIR)|g'

.PHONY: install uninstall install-test

install: $(B)/smtpprobe
	$(INSTALL) -d $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(DATADIR)/profiles/catalogs $(DESTDIR)$(DATADIR)/schemas \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSCONFDIR)/smtpprobe \
	    $(DESTDIR)$(SYSCONFDIR)/cron.d $(DESTDIR)$(SYSTEMDUNITDIR) \
	    $(DESTDIR)$(DATADIR)/prometheus
	$(INSTALL) -m 755 $(B)/smtpprobe $(DESTDIR)$(BINDIR)/smtpprobe
	$(INSTALL) -m 644 profiles/*.yaml $(DESTDIR)$(DATADIR)/profiles/
	$(INSTALL) -m 644 profiles/catalogs/*.yaml profiles/catalogs/README.md \
	    $(DESTDIR)$(DATADIR)/profiles/catalogs/
	$(INSTALL) -m 644 scripts/schemas/*.schema.json \
	    $(DESTDIR)$(DATADIR)/schemas/
	$(INSTALL) -m 644 scripts/man/smtpprobe.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 scripts/man/smtpprobe.yaml.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 644 scripts/completion/smtpprobe $(DESTDIR)$(BASHCOMPDIR)/
	$(INSTALL) -m 644 scripts/smtpprobe.yaml.sample \
	    $(DESTDIR)$(SYSCONFDIR)/smtpprobe/
	$(install_subst) scripts/smtpprobe.cron > $(DESTDIR)$(SYSCONFDIR)/cron.d/smtpprobe
	$(install_subst) scripts/smtpprobe.service \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/smtpprobe.service
	$(install_subst) scripts/smtpprobe.timer \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/smtpprobe.timer
	$(install_subst) scripts/smtpprobe-serve.service \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/smtpprobe-serve.service
	chmod 644 $(DESTDIR)$(SYSCONFDIR)/cron.d/smtpprobe \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/smtpprobe.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/smtpprobe.timer \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/smtpprobe-serve.service
	$(INSTALL) -m 644 contrib/prometheus/* $(DESTDIR)$(DATADIR)/prometheus/

# Removes exactly what install wrote, then the folders that are ours and
# empty. A config the admin wrote (smtpprobe.yaml) is left alone.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	-rmdir $(DESTDIR)$(DATADIR)/profiles/catalogs \
	    $(DESTDIR)$(DATADIR)/prometheus \
	    $(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(DATADIR)/schemas \
	    $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(SYSCONFDIR)/smtpprobe 2>/dev/null

# A staged install, the staged binary finding its data through
# SMTPPROBE_DATADIR and probing the simulated Gmail with the installed
# profile, then uninstall leaving nothing behind.
install-test:
	./tests/install-test.sh "$(MAKE)" "$(B)" "$(PREFIX)" build/asan/fakemx
endif
