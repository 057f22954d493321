/*
 * probe_cmd - the commands besides send: "explain" (diagnose replies found
 * in text, logs and bounces; a log on standard input becomes a report of
 * groups, probe_explain_report) and "catalog lint". Each returns the exit
 * status for main() to use: explain gives the worst verdict among the
 * replies it diagnosed (0 none refused, 1 tempfail, 2 fail) and 3 when no
 * reply was found, when every verdict is unknown (no code, no word), or
 * on a usage or catalog error; lint gives 0 when
 * clean, 2 when it found problems, 3 when a file does not load.
 */
#ifndef SMTPPROBE_PROBE_CMD_H
#define SMTPPROBE_PROBE_CMD_H

/* probe_cmd_explain - argv[0] is "explain". */
int	probe_cmd_explain(int argc, char **argv);

/* probe_cmd_catalog - argv[0] is "catalog", argv[1] the subcommand. */
int	probe_cmd_catalog(int argc, char **argv);

#endif
