// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet.h"
#include "main.h"
#include "vm.h"

static void vm_harness(char *buf, size_t len)
{
	if (getenv("DMAPOOL_VM"))
		snprintf(buf, len, "%s", getenv("DMAPOOL_VM"));
	else
		snprintf(buf, len, "%s/tools/dmapool-vm", data_dir());
}

/* A number and a unit K, M, G or T (either case), into bytes. */
static int parse_mem(const char *s, unsigned long long *bytes)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	unsigned int shift;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	u = *end && !end[1] ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (!u)
		return -EINVAL;
	shift = 10 * (u - units + 1);
	if (errno || v > ULLONG_MAX >> shift)
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

static int check_mem(const char *cmd, const char *val)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	unsigned long long bytes = 0, host_mb;
	int err = parse_mem(val, &bytes);

	if (err == -EINVAL) {
		p_err("%s: --vm-mem '%s': not a size (a number with K, M, G or T, e.g. 512M, 2G)",
		      cmd, val);
		return -EINVAL;
	}
	host_mb = pages > 0 && page > 0 ?
		  (unsigned long long)pages * page >> 20 : ULLONG_MAX >> 20;
	if (err || bytes < (unsigned long long)VM_MIN_MEM_MB << 20 ||
	    bytes > host_mb << 20) {
		p_err("%s: --vm-mem '%s': out of range (%dM..%lluM, this host's memory)",
		      cmd, val, VM_MIN_MEM_MB, host_mb);
		return -EINVAL;
	}
	return 0;
}

/* What tools/dmapool-vm --list-kernels prints (one a line) into @buf. */
static int list_kernels(const char *vm, char *buf, size_t len)
{
	int pfd[2], status, fd;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execl(vm, vm, "--list-kernels", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (n + 1 < len) {
		r = read(pfd[0], buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int vm_check_kernel(const char *cmd, const char *kernel)
{
	size_t n = strlen(kernel), len, i;
	char vm[PATH_MAX], list[4096], *line, *c;
	bool ok;

	if (getenv("DMAPOOL_IN_VM"))
		return 0;
	/* A release (uname -r), never a path: no '/', no "..". */
	ok = n && n <= VM_KERNEL_MAX && isdigit((unsigned char)kernel[0]) &&
	     !strstr(kernel, "..");
	for (i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)kernel[i]) || strchr(".+-_", kernel[i]);
	if (!ok) {
		p_err("%s: --kernel '%s': not a kernel version (e.g. 6.1 or 6.12.117+deb12-amd64)",
		      cmd, kernel);
		return -EINVAL;
	}
	vm_harness(vm, sizeof(vm));
	if (list_kernels(vm, list, sizeof(list))) {
		p_err("%s: --kernel '%s': cannot list the guest kernels (%s --list-kernels failed)",
		      cmd, kernel, vm);
		return -EINVAL;
	}
	/* tools/dmapool-vm's rule: exact, or a prefix ending before . - or +. */
	for (line = list; *line; line += len + (line[len] == '\n')) {
		len = strcspn(line, "\n");
		if (len >= n && !strncmp(line, kernel, n) &&
		    (len == n || strchr(".-+", line[n])))
			return 0;
	}
	for (c = list; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ' ' : '\0';
	p_err("%s: --kernel '%s': not an installed kernel (tools/dmapool-vm --list-kernels: %s)",
	      cmd, kernel, list[0] ? list : "none");
	return -EINVAL;
}

int vm_check_opts(const char *cmd, const struct vm_opts *o)
{
	if (getenv("DMAPOOL_IN_VM"))
		return 0;
	if (o->mem && check_mem(cmd, o->mem))
		return -EINVAL;
	if (o->kernel && vm_check_kernel(cmd, o->kernel))
		return -EINVAL;
	return 0;
}

static int opt_kernel(const char *cmd, const struct opt *opt, const char *val,
		      void *obj)
{
	struct vm_opts *o = obj;

	(void)cmd;
	(void)opt;
	o->kernel = val;
	o->force = true;
	return 0;
}

static int opt_deterministic(const char *cmd, const struct opt *opt,
			     const char *val, void *obj)
{
	struct vm_opts *o = obj;

	(void)cmd;
	(void)opt;
	(void)val;
	o->deterministic = true;
	o->force = true;
	return 0;
}

static const struct opt vm_opts_table[] = {
	OPT_FLAG_("vm", 0, struct vm_opts, force,
		  "run in a guest even if this host loads modules"),
	OPT_FN_("kernel", 0, "VER", opt_kernel, 0,
		"guest kernel, e.g. 6.1 (default: newest installed)"),
	OPT_STR_("vm-mem", 0, struct vm_opts, mem, "SIZE",
		 "guest memory, 128M..this host's (default " VM_DEFAULT_MEM ")"),
	OPT_FN_("deterministic", 0, NULL, opt_deterministic, 0,
		"guest with -icount: latencies in instruction-time"),
};

const struct opt_group vm_group = OPT_GROUP("Guest (tools/dmapool-vm)", vm_opts_table);

bool vm_needed(bool force)
{
	if (getenv("DMAPOOL_IN_VM"))
		return false;
	/* A kernel without module support has no /proc/modules. */
	return force || access("/proc/modules", F_OK) != 0;
}

/*
 * The guest's stdout, held (@fd) until the harness's status is known: the
 * command's own status releases it to stdout; a harness failure (124
 * timeout, 125 kernel, 126 boot) sends it to stderr instead, so that the
 * caller's one failing fleet document is the only one on stdout.
 */
static int vm_release(int fd, int status)
{
	FILE *to = status < 124 ? stdout : stderr;
	sighandler_t old;
	char buf[4096];
	ssize_t r = 0;
	bool ok;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (to == stderr && lseek(fd, 0, SEEK_END) > 0) {
		p_err("the guest failed after it printed this; it is kept from stdout:");
		lseek(fd, 0, SEEK_SET);
	}
	/* A reader that went away is an error to report, not a signal. */
	old = signal(SIGPIPE, SIG_IGN);
	ok = !fflush(to);
	while (ok && (r = read(fd, buf, sizeof(buf))) > 0)
		ok = fwrite(buf, 1, r, to) == (size_t)r;
	ok = !fflush(to) && ok && r == 0;
	signal(SIGPIPE, old);
	if (!ok) {
		p_err("cannot write the guest's output to %s: %s",
		      to == stdout ? "stdout" : "stderr", strerror(errno));
		return -EIO;
	}
	return 0;
}

int vm_run(const struct vm_opts *o, int argc, char **argv)
{
	char vm[PATH_MAX], cpus[16], timeout[16], mem[32];
	const char **args = calloc(argc + 24, sizeof(*args));
	int n = 0, i, status, hold = -1;
	pid_t pid;

	if (!args)
		return VM_EXIT_HARNESS;
	vm_harness(vm, sizeof(vm));
	snprintf(cpus, sizeof(cpus), "%d", o->cpus);
	/* The harness takes the unit in capitals. */
	snprintf(mem, sizeof(mem), "%s", o->mem ? o->mem : VM_DEFAULT_MEM);
	if (mem[0])
		mem[strlen(mem) - 1] = toupper((unsigned char)mem[strlen(mem) - 1]);
	args[n++] = vm;
	args[n++] = "-q";
	if (o->kernel) {
		args[n++] = "--kernel";
		args[n++] = o->kernel;
	}
	args[n++] = "--mem";
	args[n++] = mem;
	args[n++] = "--cpus";
	args[n++] = cpus;
	if (o->deterministic)
		args[n++] = "--deterministic";
	if (o->timeout) {
		snprintf(timeout, sizeof(timeout), "%u", o->timeout);
		args[n++] = "--timeout";
		args[n++] = timeout;
	}
	args[n++] = "--rwdir";
	args[n++] = o->rwdir;
	args[n++] = "--";
	args[n++] = self_exe();
	/* The global options given before the subcommand's name. */
	if (json_output)
		args[n++] = "--json";
	for (i = 0; i < verbose && i < 3; i++)
		args[n++] = "--verbose";
	for (i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	p_info("this host cannot load modules: running in a guest (%s, kernel %s)",
	       "tools/dmapool-vm", o->kernel ? o->kernel : "default");
	fflush(NULL);
	if (o->hold_output) {
		hold = memfd_create("dmapool-guest-stdout", MFD_CLOEXEC);
		/* Never fd 1 itself (stdout closed): dup2() would keep CLOEXEC. */
		if (hold >= 0 && hold <= STDERR_FILENO) {
			i = fcntl(hold, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
			close(hold);
			hold = i;
		}
		if (hold < 0) {
			p_err("cannot hold the guest's output: %s", strerror(errno));
			free(args);
			return VM_EXIT_HARNESS;
		}
	}
	pid = fork();
	if (pid < 0) {
		if (hold >= 0)
			close(hold);
		free(args);
		return VM_EXIT_HARNESS;
	}
	if (!pid) {
		if (hold >= 0)
			dup2(hold, STDOUT_FILENO);
		setenv("DMAPOOL_IN_VM", "1", 1);
		execv(vm, (char **)args);
		fprintf(stderr, "dmapool-bench: cannot run %s: %s\n", vm,
			strerror(errno));
		_exit(VM_EXIT_HARNESS);
	}
	free(args);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = VM_EXIT_HARNESS << 8;
			break;
		}
	}
	status = WIFEXITED(status) ? WEXITSTATUS(status) : VM_EXIT_HARNESS;
	/* The output that could not be delivered: a failure of ours. */
	if (hold >= 0) {
		if (vm_release(hold, status)) {
			fleet_stdout_lost();
			if (status < 124)
				status = VM_EXIT_HARNESS;
		}
		close(hold);
	}
	return status;
}
