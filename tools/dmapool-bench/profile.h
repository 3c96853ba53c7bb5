/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driver profiles (profiles/NAME.json, schema dmapool-bench-profile/1): the
 * streams of a real driver's pool traffic, with a source for every figure.
 * Loaded and checked here; `profiles` lists them and `run`, `compare` take
 * one with --profile.
 */
#ifndef DMAPOOL_BENCH_PROFILE_H
#define DMAPOOL_BENCH_PROFILE_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "dmapool_bench.h"

#define PROFILE_SCHEMA		"dmapool-bench-profile/1"
#define PROFILE_NAME_LEN	32	/* with the NUL */
#define PROFILE_STREAM_LEN	16	/* with the NUL */
#define PROFILE_MAX_STREAMS	8	/* after includes */
#define PROFILE_MAX_DEPTH	4	/* include nesting */

struct profile_stream {
	char name[PROFILE_STREAM_LEN];
	char spec[DMAPOOL_MAX_SPEC_LEN + 1];
	char from[PROFILE_NAME_LEN];	/* the profile that declares it */
	char notes[1024];		/* what was chosen where sources are silent */
};

struct profile {
	char name[PROFILE_NAME_LEN];
	char file[PATH_MAX];		/* absolute */
	char description[256];
	char notes[1024];
	char coherent_pool[24];		/* "" when the profile gives none */
	int nr_streams;
	struct profile_stream streams[PROFILE_MAX_STREAMS];
	/* [{profile, stream, key, source}], coherent_pool's with stream null. */
	struct json_object *sources;
	struct json_object *includes;	/* names, as given (or NULL) */
};

/*
 * Is @key a harness key (how long, where and how reproducibly a profile runs),
 * which needs no source, rather than a figure of the driver?
 */
bool profile_harness_key(const char *key, size_t n);

/* The profiles directory: $DMAPOOL_PROFILE_DIR, else <top>/profiles. */
const char *profile_dir(void);

/*
 * Load @arg (a name in profile_dir(), or a file path when it holds a '/')
 * with its includes, and check it all. 0, or -EINVAL after one line naming
 * the file and the JSON path of the problem. profile_free() after.
 */
int profile_load(const char *arg, struct profile *p);
void profile_free(struct profile *p);

/*
 * The spec line of the profile's streams: the stream's spec alone for one
 * stream, else "stream=NAME SPEC ; stream=NAME SPEC ...". Keys whose bit
 * is set in @skip (spec.c's key index) are left out and @extra (user-given
 * keys, may be "") goes into every stream. 0 or -E2BIG.
 */
int profile_line(const struct profile *p, unsigned int skip, const char *extra,
		 char *buf, size_t len);

/* Bit i set for each spec key i that some stream of @p gives. */
unsigned int profile_keys(const struct profile *p);

/* meta.profile of a result: {name, file, streams, sources}. */
struct json_object *profile_meta(const struct profile *p);

#endif
