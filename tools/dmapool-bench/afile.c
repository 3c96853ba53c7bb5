// SPDX-License-Identifier: GPL-2.0
/*
 * Atomic output files (afile.h): temporaries renamed over their targets, a
 * registry of the live ones for the fatal-signal handler, and the sweep of
 * the ones dead writers left.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "main.h"

#define AFILE_MAX_LIVE	32	/* live temporaries at once; CSVs open 4 */
#define AFILE_TMP_TAG	".tmp."
#define AFILE_RANDOM	6	/* mkstemp's XXXXXX */
#define AFILE_SPACE_LEN	17	/* "BBBBBBBB-NNNNNNNN" */
/* ".NAME.tmp.SPACE.PID.XXXXXX" within NAME_MAX: NAME cut to fit */
#define AFILE_NAME_ROOM	(NAME_MAX - 1 - 5 - AFILE_SPACE_LEN - 1 - 10 - 1 - AFILE_RANDOM)

static const int fatal_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM };

/*
 * Changed only with the fatal signals blocked, so the handler sees each slot
 * either unused or holding a complete path.
 */
static struct {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
} live[AFILE_MAX_LIVE];
static volatile sig_atomic_t live_owner;	/* the PID they belong to */
static volatile sig_atomic_t live_writer;	/* a child writing one, or 0 */

static void afile_on_signal(int sig)
{
	int saved = errno, i;
	pid_t w = live_writer;

	/* A child between fork() and exec() leaves its parent's files alone. */
	if (getpid() == live_owner) {
		if (w > 0) {
			kill(w, SIGKILL);
			while (waitpid(w, NULL, 0) < 0 && errno == EINTR)
				;
		}
		for (i = 0; i < AFILE_MAX_LIVE; i++)
			if (live[i].used)
				unlink(live[i].path);
	}
	/*
	 * SA_RESETHAND restored the default action; the signal is blocked
	 * until we return, and then ends the process as it would have.
	 */
	raise(sig);
	errno = saved;
}

static void fatal_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		sigaddset(set, fatal_signals[i]);
}

/*
 * Only where the action is still the default: a subcommand that handles a
 * signal itself (run and record finish their files on SIGINT) keeps it, and
 * an ignored signal stays ignored.
 */
static void install_handler(void)
{
	static bool done;
	struct sigaction sa = {}, old;
	size_t i;

	if (done)
		return;
	done = true;
	sa.sa_handler = afile_on_signal;
	sa.sa_flags = SA_RESETHAND;
	fatal_set(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(fatal_signals); i++) {
		if (sigaction(fatal_signals[i], NULL, &old) ||
		    (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
			continue;
		sigaction(fatal_signals[i], &sa, NULL);
	}
}

static void block_fatal(sigset_t *old)
{
	sigset_t set;

	fatal_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

/*
 * Which PID space a temporary's PID belongs to: the first 8 hex digits of
 * this boot's id (a guest writing through a 9p share has its own) and the
 * PID namespace's inode (a container on the same boot has its own), e.g.
 * "1f0c9a3e-effffffc". Only a temporary of our own space can be judged by
 * whether its PID is alive. "unknown" (no /proc) matches no file.
 */
static const char *pid_space(void)
{
	static char space[AFILE_SPACE_LEN + 1];
	char boot[9] = "";
	struct stat st;
	FILE *f;

	if (space[0])
		return space;
	snprintf(space, sizeof(space), "unknown");
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return space;
	if (fread(boot, 1, 8, f) == 8 && !stat("/proc/self/ns/pid", &st)) {
		boot[8] = '\0';
		snprintf(space, sizeof(space), "%s-%08x", boot,
			 (unsigned int)st.st_ino);
	}
	fclose(f);
	return space;
}

static bool is_live(const char *name)
{
	const char *base;
	int i;

	for (i = 0; i < AFILE_MAX_LIVE; i++) {
		if (!live[i].used)
			continue;
		base = strrchr(live[i].path, '/');
		if (!strcmp(base ? base + 1 : live[i].path, name))
			return true;
	}
	return false;
}

/*
 * ".NAME.tmp.SPACE.PID.XXXXXX": our temporary, written by *@pid of the PID
 * space *@mine says whether it is ours.
 */
static bool our_tmp(const char *name, pid_t *pid, bool *mine)
{
	size_t n = strlen(name), tag = strlen(AFILE_TMP_TAG), i;
	const char *dot, *digits, *space;
	long v;

	if (name[0] != '.' ||
	    n < 1 + 1 + tag + AFILE_SPACE_LEN + 1 + 1 + 1 + AFILE_RANDOM)
		return false;
	dot = name + n - AFILE_RANDOM - 1;
	if (*dot != '.')
		return false;
	for (i = 1; i <= AFILE_RANDOM; i++)
		if (!isalnum((unsigned char)dot[i]))
			return false;
	for (digits = dot; digits > name && isdigit((unsigned char)digits[-1]); digits--)
		;
	if (digits == dot || dot - digits > 10 ||
	    digits - name < (long)(1 + 1 + tag + AFILE_SPACE_LEN + 1) ||
	    digits[-1] != '.')
		return false;
	space = digits - 1 - AFILE_SPACE_LEN;
	if (strncmp(space - tag, AFILE_TMP_TAG, tag))
		return false;
	for (i = 0; i < AFILE_SPACE_LEN; i++)
		if (!(i == 8 ? space[i] == '-' : isxdigit((unsigned char)space[i])))
			return false;
	v = strtol(digits, NULL, 10);
	if (v <= 0 || v > INT_MAX)
		return false;
	*pid = v;
	*mine = !strncmp(space, pid_space(), AFILE_SPACE_LEN);
	return true;
}

/* Only for our own PID space: another's PIDs mean nothing here. */
static bool writer_gone(const char *name, pid_t pid, bool mine)
{
	if (!mine)
		return false;
	if (pid == getpid())
		return !is_live(name);
	return kill(pid, 0) && errno == ESRCH;
}

void afile_sweep(const char *dir)
{
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	bool mine;
	pid_t pid;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!our_tmp(de->d_name, &pid, &mine) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!writer_gone(de->d_name, pid, mine) &&
		    now - st.st_mtime < AFILE_STALE_SECS)
			continue;
		if (!unlinkat(dirfd(d), de->d_name, 0) && verbose)
			p_info("removed %s/%s, a temporary its writer left", dir,
			       de->d_name);
	}
	closedir(d);
}

static int afile_commit(struct afile *a, bool ok);

int afile_open(struct afile *a, const char *dir, const char *name)
{
	sigset_t old;
	int fd, err, i;

	a->f = NULL;
	a->slot = -1;
	if (snprintf(a->path, sizeof(a->path), "%s/%s", dir, name) >= (int)sizeof(a->path) ||
	    snprintf(a->tmp, sizeof(a->tmp), "%s/.%.*s" AFILE_TMP_TAG "%s.%d.XXXXXX", dir,
		     AFILE_NAME_ROOM, name, pid_space(),
		     (int)getpid()) >= (int)sizeof(a->tmp)) {
		p_err("cannot write %s/%s: %s", dir, name, strerror(ENAMETOOLONG));
		return -EIO;
	}
	afile_sweep(dir);
	install_handler();
	block_fatal(&old);
	fd = mkostemp(a->tmp, O_CLOEXEC);
	err = errno;
	for (i = 0; fd >= 0 && i < AFILE_MAX_LIVE; i++) {
		if (live[i].used)
			continue;
		memcpy(live[i].path, a->tmp, sizeof(live[i].path));
		live_owner = getpid();
		live[i].used = 1;
		a->slot = i;
		break;
	}
	if (fd >= 0 && a->slot < 0) {
		/* No signal could remove it, and our own sweep would: refuse. */
		close(fd);
		unlink(a->tmp);
		fd = -1;
		err = EMFILE;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd >= 0 && !fchmod(fd, 0644))
		a->f = fdopen(fd, "w");
	if (fd >= 0 && !a->f) {
		err = errno;
		close(fd);
		afile_commit(a, false);
		fd = -1;
	}
	if (fd < 0) {
		p_err("cannot write %s: %s", a->path, strerror(err));
		return -EIO;
	}
	return 0;
}

/* Rename (@ok) or remove the closed temporary; unregister it. */
static int afile_commit(struct afile *a, bool ok)
{
	char dir[PATH_MAX], *slash;
	sigset_t old;
	int err = 0, dfd;

	block_fatal(&old);
	if (ok && rename(a->tmp, a->path)) {
		err = errno;
		ok = false;
	}
	if (!ok)
		unlink(a->tmp);
	if (a->slot >= 0)
		live[a->slot].used = 0;
	a->slot = -1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (err)
		p_err("writing %s failed: %s", a->path, strerror(err));
	if (!ok)
		return -EIO;
	snprintf(dir, sizeof(dir), "%s", a->path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int afile_close(struct afile *a, bool ok)
{
	bool io_ok;

	if (!a->f)
		return -EIO;
	io_ok = !fflush(a->f) && !ferror(a->f) && !fsync(fileno(a->f));
	io_ok &= !fclose(a->f);
	a->f = NULL;
	if (ok && !io_ok)
		p_err("writing %s failed: %s", a->path, strerror(errno));
	return afile_commit(a, ok && io_ok);
}

int afile_close_written(struct afile *a, bool ok)
{
	struct stat st;
	int fd, ret = -EIO;

	if (!a->f)
		return -EIO;
	/* Ours is open only to hold the name: nothing of ours is in it. */
	fclose(a->f);
	a->f = NULL;
	if (ok) {
		fd = open(a->tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || fsync(fd)) {
			p_err("writing %s failed: %s", a->path, strerror(errno));
			ok = false;
		} else if (!st.st_size) {
			ret = -ENODATA;
			ok = false;
		}
		if (fd >= 0)
			close(fd);
	}
	return afile_commit(a, ok) ? ret : 0;
}

pid_t afile_fork_writer(void)
{
	pid_t parent = getpid(), pid;
	sigset_t old;

	/* No fatal signal between fork() and knowing the child's PID. */
	block_fatal(&old);
	pid = fork();
	if (!pid) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* A parent that died before prctl() has reparented us. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		return 0;
	}
	if (pid > 0)
		live_writer = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

void afile_writer_done(void)
{
	live_writer = 0;
}
