/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* --list: the Python processes of this machine as JSON lines (docs/process-list.md).  Reads
 * /proc only, needs no privilege, stops nothing; what the caller may not read it guesses from
 * the command line and marks as needing authorisation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "pyr-err.h"

/* How a process was recognised as Python (the "detected_by" member). */
enum pyr_list_detect
{
  PYR_LIST_NOT_PYTHON = 0,
  PYR_LIST_BY_MAPS,          /* a python binary or libpython3.X.so is mapped */
  PYR_LIST_BY_COMMAND,       /* memory map unreadable: the command line names a python */
};

struct pyr_list_options
{
  pid_t exclude_pid;         /* also leave this process out (besides the sampler), 0: none */
};

/* Writes the system line, then one line per Python process, to out. */
int  pyr_list_write (FILE                          *out,
                     const struct pyr_list_options *options,
                     struct pyr_err                *err);

/*
 * The pieces, exposed for tests.
 */

/* From the text of /proc/PID/maps: the path of the mapped interpreter image (libpython3.X.so
 * first, else a python executable) copied into image, and 3.minor from its name (-1 unknown).
 * Returns PYR_LIST_BY_MAPS or PYR_LIST_NOT_PYTHON. */
enum pyr_list_detect pyr_list_classify_maps (const char *maps_text,
                                             char       *image,
                                             size_t      image_size,
                                             int        *minor);

/* From argv (argc strings) and the kernel's comm: PYR_LIST_BY_COMMAND when the command runs a
 * python (directly, through the dynamic loader, or an embedding server such as uwsgi), with
 * 3.minor when the name says it (-1 otherwise). */
enum pyr_list_detect pyr_list_classify_command (const char * const *argv,
                                                size_t              argc,
                                                const char         *comm,
                                                int                *minor);

/* From the text of /proc/PID/cgroup: the container runtime ("docker", "podman", "containerd",
 * "cri-o", "lxc", "kubernetes", "flatpak") and its id (shortened to 12 characters when it is a
 * long hexadecimal one), or false. */
bool pyr_list_container_from_cgroup (const char *cgroup_text,
                                     char       *kind,
                                     size_t      kind_size,
                                     char       *id,
                                     size_t      id_size);

/* The exact version ("3.11.2") from the interpreter's file: Py_Version (3.11+) or the
 * version literal in .rodata.  minor is what the file name said (-1 unknown).  0 or -errno. */
int  pyr_list_version_from_file (const char *path,
                                 int         minor,
                                 char       *out,
                                 size_t      out_size);

/* Writes s as a JSON string (quoted; invalid UTF-8 becomes U+FFFD). */
void pyr_list_json_string (FILE       *out,
                           const char *s,
                           size_t      len);
