/*
 * probe_datadir - where the shipped profiles and catalogs are: one
 * decision for the profile loader, the catalog loader and the fuzzers.
 * Reads the environment and the file system; keeps no state.
 */
#ifndef SMTPPROBE_PROBE_DATADIR_H
#define SMTPPROBE_PROBE_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * probe_datadir_find - the folder of the shipped profiles (and their
 * catalogs/), the first of:
 *   1. $SMTPPROBE_DATADIR/profiles when that variable is set and not
 *      empty: a staged or moved install. Then only that: a variable that
 *      names a folder without profiles/ is an error, never a reason to
 *      fall back to another folder;
 *   2. the source tree's profiles/ when the binary runs from a build of
 *      that tree (./smtpprobe, build/<kind>/smtpprobe), recognised by
 *      its smtp/smtp_dialog.h, never by a bare "../../profiles" guess;
 *   3. the compiled-in data folder's profiles/ (PREFIX/share/smtpprobe).
 * Writes the path to out and returns 0; -1 with one line in err that
 * names the folder tried and SMTPPROBE_DATADIR.
 *
 * Profile names are looked up in that folder, then /etc/smtpprobe/profiles
 * (the admin's own), then, without SMTPPROBE_DATADIR, the compiled-in
 * folder.
 */
int	probe_datadir_find(char *out, size_t outlen, char *err,
	    size_t errlen);

/* probe_datadir_compiled - PREFIX/share/smtpprobe as built. */
const char *probe_datadir_compiled(void);

/* probe_datadir_env - $SMTPPROBE_DATADIR when set and not empty, else NULL. */
const char *probe_datadir_env(void);

/*
 * probe_datadir_source_tree - the source tree's profiles/ into out when
 * the binary runs from a build of it (./smtpprobe at the top, or
 * build/<kind>/smtpprobe); false otherwise. A folder counts as the tree
 * only when it holds smtp/smtp_dialog.h too, so an installed
 * /usr/bin/smtpprobe never takes /usr/profiles or /profiles for ours.
 */
bool	probe_datadir_source_tree(char *out, size_t outlen);

#endif
