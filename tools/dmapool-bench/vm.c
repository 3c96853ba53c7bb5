// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "main.h"
#include "vm.h"

bool vm_needed(bool force)
{
	if (getenv("DMAPOOL_IN_VM"))
		return false;
	/* A kernel without module support has no /proc/modules. */
	return force || access("/proc/modules", F_OK) != 0;
}

int vm_run(const struct vm_opts *o, int argc, char **argv)
{
	char vm[PATH_MAX], cpus[16], timeout[16];
	const char **args = calloc(argc + 20, sizeof(*args));
	int n = 0, i, status;
	pid_t pid;

	if (!args)
		return EXIT_FAIL;
	if (getenv("DMAPOOL_VM"))
		snprintf(vm, sizeof(vm), "%s", getenv("DMAPOOL_VM"));
	else
		snprintf(vm, sizeof(vm), "%s/../tools/dmapool-vm", self_dir());
	snprintf(cpus, sizeof(cpus), "%d", o->cpus);
	args[n++] = vm;
	args[n++] = "-q";
	if (o->kernel) {
		args[n++] = "--kernel";
		args[n++] = o->kernel;
	}
	args[n++] = "--mem";
	args[n++] = o->mem;
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
	for (i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	p_info("this host cannot load modules: running in a guest (%s, kernel %s)",
	       "tools/dmapool-vm", o->kernel ? o->kernel : "default");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(args);
		return EXIT_FAIL;
	}
	if (!pid) {
		setenv("DMAPOOL_IN_VM", "1", 1);
		execv(vm, (char **)args);
		fprintf(stderr, "dmapool-bench: cannot run %s: %s\n", vm,
			strerror(errno));
		_exit(126);
	}
	free(args);
	if (waitpid(pid, &status, 0) < 0)
		return EXIT_FAIL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAIL;
}
