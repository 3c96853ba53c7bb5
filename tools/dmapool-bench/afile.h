/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files that appear whole or not at all. Every file the CLI writes (results,
 * CSVs, images, recordings) goes to a temporary file in the target's own
 * directory, named .NAME.tmp.SPACE.PID.XXXXXX (SPACE: which boot and PID
 * namespace PID belongs to), which is synced and renamed over DIR/NAME only
 * when complete; then the directory is synced.
 *
 * Live temporaries are registered: a SIGHUP, SIGINT, SIGQUIT, SIGPIPE or
 * SIGTERM whose action was the default kills a child writing one (gnuplot),
 * removes them and ends the process by the same signal, as it would have
 * without us. Temporaries of this naming that a writer left behind (SIGKILL,
 * a crash, a power cut) are removed by the next afile_open() in their
 * directory: those of our own PID space whose PID is not a live process (or
 * is ours but not one of our live temporaries), and any not modified for
 * AFILE_STALE_SECS (a guest's or a container's: their PIDs mean nothing
 * here).
 */
#ifndef DMAPOOL_BENCH_AFILE_H
#define DMAPOOL_BENCH_AFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * A temporary whose PID is alive here may belong to another process that
 * reused a dead writer's PID; one of another PID space (a guest through a
 * 9p share, a container) cannot be judged by its PID at all. A day without
 * a write ends the doubt.
 */
#define AFILE_STALE_SECS	(24 * 60 * 60)

struct afile {
	FILE *f;
	char tmp[PATH_MAX];
	char path[PATH_MAX];
	int slot;		/* in the registry of live temporaries, or -1 */
};

/* Start DIR/NAME (error printed); write to a->f. */
int afile_open(struct afile *a, const char *dir, const char *name);
/* Commit (@ok) or drop the file; returns 0 when it was committed. */
int afile_close(struct afile *a, bool ok);

/*
 * For a file another process writes by name (gnuplot's output): a->tmp is
 * open for it to write. Returns 0 after committing it when @ok and it is not
 * empty; else drops it and returns -EIO (error printed when it was empty).
 */
int afile_close_written(struct afile *a, bool ok);

/*
 * fork() a child that will write a temporary of ours (gnuplot). It dies with
 * us (PR_SET_PDEATHSIG), so a SIGKILL leaves no writer behind, and a fatal
 * signal kills and reaps it before removing the temporaries, so it cannot
 * recreate one. Returns as fork() does. Once it has exited, call
 * afile_writer_done() before reaping it (wait with WNOWAIT first): until
 * then its PID must not be another process's.
 */
pid_t afile_fork_writer(void);
void afile_writer_done(void);

/* Remove stale temporaries of our naming in @dir (see above). */
void afile_sweep(const char *dir);

#endif
