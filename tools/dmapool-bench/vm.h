/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running ourselves inside tools/dmapool-vm when this host cannot load
 * modules (the embedded default).
 */
#ifndef DMAPOOL_BENCH_VM_H
#define DMAPOOL_BENCH_VM_H

#include <stdbool.h>

#include "opts.h"

struct vm_opts {
	const char *kernel;		/* NULL: the harness's default */
	const char *mem;		/* e.g. "2G"; NULL: VM_DEFAULT_MEM */
	int cpus;
	bool deterministic;
	bool force;			/* a guest even where not needed */
	const char *rwdir;		/* absolute, shared writable */
	unsigned int timeout;		/* s; 0: the harness's default */
	bool hold_output;		/* fleet formats: stdout only if the guest did not fail */
};

/*
 * vm_run()'s status when it fails itself (memory, fork, exec, delivering the
 * guest's held output): the harness's own "harness failure".
 */
#define VM_EXIT_HARNESS		126

#define VM_DEFAULT_MEM		"2G"
/* The least guest memory the benchmark runs in (6.1 and 6.12; 64M does not boot). */
#define VM_MIN_MEM_MB		128
#define VM_KERNEL_MAX		63	/* a release, as uname -r prints it */

/*
 * The guest options of @cmd, checked before anything boots, here and only
 * here: --vm-mem is a number with K, M, G or T in VM_MIN_MEM_MB..this host's
 * memory; --kernel a version (or a prefix such as 6.1, as tools/dmapool-vm
 * takes it), no path, of a kernel tools/dmapool-vm --list-kernels lists.
 * 0, or -EINVAL after one line naming the value. In the guest, nothing: the
 * host checked them.
 */
int vm_check_opts(const char *cmd, const struct vm_opts *o);
/* Just --kernel @kernel (compare takes a list). */
int vm_check_kernel(const char *cmd, const char *kernel);

/* --vm, --kernel, --vm-mem, --deterministic, bound to a struct vm_opts. */
extern const struct opt_group vm_group;

/* True unless we are the guest already or this host loads modules. */
bool vm_needed(bool force);

/* Run `dmapool-bench ARGV...` in a guest; returns its exit status. */
int vm_run(const struct vm_opts *o, int argc, char **argv);

#endif
