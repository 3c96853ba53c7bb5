/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running ourselves inside tools/dmapool-vm when this host cannot load
 * modules (the embedded default).
 */
#ifndef DMAPOOL_BENCH_VM_H
#define DMAPOOL_BENCH_VM_H

#include <stdbool.h>

struct vm_opts {
	const char *kernel;		/* NULL: the harness's default */
	const char *mem;		/* e.g. "2G" */
	int cpus;
	bool deterministic;
	const char *rwdir;		/* absolute, shared writable */
	unsigned int timeout;		/* s; 0: the harness's default */
};

/* True unless we are the guest already or this host loads modules. */
bool vm_needed(bool force);

/* Run `dmapool-bench ARGV...` in a guest; returns its exit status. */
int vm_run(const struct vm_opts *o, int argc, char **argv);

#endif
