/*
 * yaml_loc - the location invariant of the YAML loaders, for the fuzz
 * targets: an error that libyaml's reader found (a control character, a
 * NUL, bytes that are not UTF-8) is located on the line of the first
 * byte the reader refuses, never at the start of the file. libyaml gives
 * such errors a byte offset and no mark; probe_yaml turns the offset
 * into a line, counting LF, CR LF and a lone CR as line ends.
 */
#ifndef SMTPPROBE_TESTS_YAML_LOC_H
#define SMTPPROBE_TESTS_YAML_LOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * yaml_loc_is_right - false when err, a loader's error for the file
 * path holding data[0..size), is "PATH:LINE:COL: PROBLEM" with PROBLEM
 * one of libyaml's reader errors and LINE not the line of the first
 * byte the reader refuses. True for every other error, and for inputs
 * libyaml reads as UTF-16 (a byte order mark).
 */
bool	yaml_loc_is_right(const char *err, const char *path,
	    const uint8_t *data, size_t size);

#endif
