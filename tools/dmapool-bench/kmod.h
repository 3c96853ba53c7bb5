/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dmapool_bench module: load with parameters, reload when they differ,
 * unload, and talk to its control and stats files.
 */
#ifndef DMAPOOL_BENCH_KMOD_H
#define DMAPOOL_BENCH_KMOD_H

#include <json-c/json.h>
#include <stdbool.h>

#define KMOD_DEBUGFS "/sys/kernel/debug/dmapool_bench"

/* The module to load: DMAPOOL_KO, else build/$(uname -r)/dmapool_bench.ko. */
const char *kmod_default_path(void);

/*
 * Make sure the module is loaded with exactly @params ("key=value ...",
 * our parameters only); reload it when the loaded one differs.
 */
int kmod_ensure(const char *path, const char *params);
int kmod_unload(void);

int kmod_control(const char *line);
/* The stats file as a JSON object: numbers as integers, others strings. */
struct json_object *kmod_stats(void);
/* The "key: value" file @name of the module's directory as a JSON object. */
struct json_object *kmod_read(const char *name);
/* The pools file as {pool: {key: value}}. */
struct json_object *kmod_pools(void);

#endif
