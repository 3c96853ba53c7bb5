// SPDX-License-Identifier: GPL-2.0
/*
 * Driver profiles: profiles/NAME.json read with the project's JSON Schema
 * subset (profiles/profile.schema.json, embedded at build time), then the
 * checks a schema cannot make: every stream's spec parses with the module's
 * own parser (spec.c), every figure in it has a source, the name is the
 * file's, includes resolve (same directory, no cycle, at most
 * PROFILE_MAX_DEPTH deep) and stream names are unique. A problem is one
 * line: the file, the JSON path, what is wrong.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "main.h"
#include "profile.h"
#include "result.h"
#include "spec.h"

static const char * const harness_keys[] = {
	"stream", "cpus", "duration_ms", "ops", "seed", "warmup_ms",
	"max_outstanding",
};

bool profile_harness_key(const char *key, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(harness_keys); i++)
		if (strlen(harness_keys[i]) == n && !strncmp(harness_keys[i], key, n))
			return true;
	return false;
}

/* spec.c's index of the @n-byte key at @key, or -1. */
static int key_index(const char *key, size_t n)
{
	const char *k, *arg, *what;
	unsigned int i;

	for (i = 0; !dmapool_spec_key(i, &k, &arg, &what); i++)
		if (strlen(k) == n && !strncmp(k, key, n))
			return i;
	return -1;
}

const char *profile_dir(void)
{
	static char dir[PATH_MAX + 16];
	const char *env = getenv("DMAPOOL_PROFILE_DIR");

	if (env && *env)
		return env;
	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s/profiles", data_dir());
	return dir;
}

/* What one file adds; @stack holds the names being loaded (cycles). */
struct load_ctx {
	struct profile *p;
	char stack[PROFILE_MAX_DEPTH + 1][PROFILE_NAME_LEN];
	int depth;
};

static void add_source(struct profile *p, const char *prof, const char *stream,
		       const char *key, const char *src)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "profile", json_object_new_string(prof));
	json_object_object_add(e, "stream", stream ? json_object_new_string(stream) : NULL);
	json_object_object_add(e, "key", json_object_new_string(key));
	json_object_object_add(e, "source", json_object_new_string(src));
	json_object_array_add(p->sources, e);
}

/* One stream of @path: its spec parses, its figures have sources. */
static int check_stream(const char *path, const char *prof, int i,
			struct json_object *st, struct profile *p)
{
	const char *name = json_object_get_string(json_object_object_get(st, "stream"));
	const char *spec = json_object_get_string(json_object_object_get(st, "spec"));
	struct json_object *srcs = json_object_object_get(st, "sources"), *v;
	char err[DMAPOOL_SPEC_ERR_LEN];
	struct dmapool_spec s;
	const char *t = spec;
	int j;

	if (strchr(spec, ';')) {
		p_err("%s: .streams[%d].spec: one stream's spec, without ';' (one entry per stream)",
		      path, i);
		return -EINVAL;
	}
	while (*(t += strspn(t, " \t\n"))) {
		size_t n = strcspn(t, " \t\n"), k = strcspn(t, "=");

		if (k > n)
			k = n;
		if (k == 6 && !strncmp(t, "stream", 6)) {
			p_err("%s: .streams[%d].spec: no stream= here: the stream is named by .streams[%d].stream",
			      path, i, i);
			return -EINVAL;
		}
		t += n;
	}
	if (dmapool_spec_parse(spec, &s, err, sizeof(err))) {
		p_err("%s: .streams[%d].spec: %s", path, i, err);
		return -EINVAL;
	}
	for (t = spec; *(t += strspn(t, " \t\n"));) {
		size_t n = strcspn(t, " \t\n"), k = strcspn(t, "=");

		if (key_index(t, k) >= 0 && !profile_harness_key(t, k)) {
			char key[32];

			snprintf(key, sizeof(key), "%.*s", (int)(k < 31 ? k : 31), t);
			if (!json_object_object_get_ex(srcs, key, &v)) {
				p_err("%s: .streams[%d].sources.%s: missing: the figure '%.*s' needs a source",
				      path, i, key, (int)(n > 60 ? 60 : n), t);
				return -EINVAL;
			}
		}
		t += n;
	}
	json_object_object_foreach(srcs, key, val) {
		const char *w = spec;
		bool found = false;

		while (*(w += strspn(w, " \t\n"))) {
			size_t n = strcspn(w, " \t\n"), k = strcspn(w, "=");

			if (k < n && k == strlen(key) && !strncmp(w, key, k))
				found = true;
			w += n;
		}
		if (!found) {
			p_err("%s: .streams[%d].sources.%s: the spec has no key '%s'",
			      path, i, key, key);
			return -EINVAL;
		}
		add_source(p, prof, name, key, json_object_get_string(val));
	}
	for (j = 0; j < p->nr_streams; j++) {
		if (!strcmp(p->streams[j].name, name)) {
			p_err("%s: .streams[%d].stream: '%s' is also a stream of '%s'",
			      path, i, name, p->streams[j].from);
			return -EINVAL;
		}
	}
	if (p->nr_streams == PROFILE_MAX_STREAMS) {
		p_err("%s: .streams[%d]: more than %d streams with the includes",
		      path, i, PROFILE_MAX_STREAMS);
		return -EINVAL;
	}
	snprintf(p->streams[p->nr_streams].name, PROFILE_STREAM_LEN, "%s", name);
	snprintf(p->streams[p->nr_streams].spec, DMAPOOL_MAX_SPEC_LEN + 1, "%s", spec);
	snprintf(p->streams[p->nr_streams].from, PROFILE_NAME_LEN, "%s", prof);
	snprintf(p->streams[p->nr_streams].notes, sizeof(p->streams[0].notes), "%s",
		 json_object_get_string(json_object_object_get(st, "notes")) ?: "");
	p->nr_streams++;
	return 0;
}

static int load_file(struct load_ctx *c, const char *path, bool top);

/* @path's includes: NAME.json beside it. */
static int load_includes(struct load_ctx *c, const char *path,
			 struct json_object *inc)
{
	char dir[PATH_MAX], tmp[PATH_MAX], ipath[PATH_MAX + 64];
	struct stat st;
	size_t i;
	int d;

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	for (i = 0; inc && i < json_object_array_length(inc); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(inc, i));

		for (d = 0; d < c->depth; d++) {
			if (!strcmp(c->stack[d], name)) {
				p_err("%s: .include[%zu]: '%s' includes itself (through %s)",
				      path, i, name, c->stack[c->depth - 1]);
				return -EINVAL;
			}
		}
		if (c->depth == PROFILE_MAX_DEPTH) {
			p_err("%s: .include[%zu]: includes nest deeper than %d", path, i,
			      PROFILE_MAX_DEPTH);
			return -EINVAL;
		}
		snprintf(ipath, sizeof(ipath), "%s/%s.json", dir, name);
		if (stat(ipath, &st)) {
			p_err("%s: .include[%zu]: unknown profile '%s' (no %s)", path, i,
			      name, ipath);
			return -EINVAL;
		}
		if (load_file(c, ipath, false))
			return -EINVAL;
	}
	return 0;
}

static int load_file(struct load_ctx *c, const char *path, bool top)
{
	struct json_object *root, *streams, *cp, *inc = NULL;
	struct profile *p = c->p;
	char tmp[PATH_MAX], base[PATH_MAX];
	const char *name, *b;
	__u64 bytes;
	size_t i, n;
	int ret = -EINVAL;

	root = json_read_checked(path, SCHEMA_PROFILE);
	if (!root)
		return -EINVAL;
	name = json_object_get_string(json_object_object_get(root, "name"));
	snprintf(tmp, sizeof(tmp), "%s", path);
	b = basename(tmp);
	n = strlen(b);
	snprintf(base, sizeof(base), "%.*s", (int)(n > 5 && !strcmp(b + n - 5, ".json") ?
						  n - 5 : n), b);
	if (strcmp(base, name)) {
		p_err("%s: .name: '%s' is not the file's name ('%s.json' holds profile '%s')",
		      path, name, name, base);
		goto out;
	}
	if (top) {
		snprintf(p->name, sizeof(p->name), "%s", name);
		snprintf(p->description, sizeof(p->description), "%s",
			 json_object_get_string(json_object_object_get(root, "description")));
		snprintf(p->notes, sizeof(p->notes), "%s",
			 json_object_get_string(json_object_object_get(root, "notes")) ?: "");
		if (json_object_object_get_ex(root, "include", &inc))
			p->includes = json_object_get(inc);
	}
	snprintf(c->stack[c->depth], PROFILE_NAME_LEN, "%s", name);
	if (json_object_object_get_ex(root, "coherent_pool", &cp)) {
		const char *v = json_object_get_string(json_object_object_get(cp, "value"));

		if (dmapool_parse_bytes(v, strlen(v), &bytes) || bytes < 4096 ||
		    bytes > DMAPOOL_MAX_COHERENT_POOL) {
			p_err("%s: .coherent_pool.value: '%s' is not a size from 4K to 1G",
			      path, v);
			goto out;
		}
		if (!p->coherent_pool[0])
			snprintf(p->coherent_pool, sizeof(p->coherent_pool), "%s", v);
		add_source(p, name, NULL, "coherent_pool",
			   json_object_get_string(json_object_object_get(cp, "source")));
	}
	streams = json_object_object_get(root, "streams");
	for (i = 0; i < json_object_array_length(streams); i++)
		if (check_stream(path, name, i, json_object_array_get_idx(streams, i), p))
			goto out;
	if (json_object_object_get_ex(root, "include", &inc)) {
		c->depth++;
		ret = load_includes(c, path, inc);
		c->depth--;
		if (ret)
			goto out;
	}
	if (top && !p->nr_streams) {
		p_err("%s: .streams: no stream, here or in an included profile", path);
		goto out;
	}
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

int profile_load(const char *arg, struct profile *p)
{
	struct load_ctx c = { .p = p };
	char path[PATH_MAX + 64];
	struct stat st;
	size_t n = strlen(arg);

	memset(p, 0, sizeof(*p));
	if (strchr(arg, '/')) {
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		if (!n || n >= PROFILE_NAME_LEN ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") != n || *arg == '-') {
			p_err("invalid profile name '%s' ([a-z0-9][a-z0-9-]*, at most 31 characters; a path needs a '/')",
			      arg);
			return -EINVAL;
		}
		snprintf(path, sizeof(path), "%s/%s.json", profile_dir(), arg);
	}
	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		p_err(strchr(arg, '/') ? "profile file '%s': %s" :
		      "unknown profile '%s' (no %s; 'dmapool-bench profiles' lists them)",
		      arg, strchr(arg, '/') ? (errno ? strerror(errno) : "not a file") : path);
		return -EINVAL;
	}
	p->sources = json_object_new_array();
	if (!realpath(path, p->file))
		snprintf(p->file, sizeof(p->file), "%.*s", PATH_MAX - 1, path);
	if (load_file(&c, p->file, true)) {
		profile_free(p);
		return -EINVAL;
	}
	return 0;
}

void profile_free(struct profile *p)
{
	json_object_put(p->sources);
	json_object_put(p->includes);
	p->sources = NULL;
	p->includes = NULL;
}

unsigned int profile_keys(const struct profile *p)
{
	unsigned int bits = 0;
	int i, k;

	for (i = 0; i < p->nr_streams; i++) {
		const char *t = p->streams[i].spec;

		while (*(t += strspn(t, " \t\n"))) {
			size_t n = strcspn(t, " \t\n");

			k = key_index(t, strcspn(t, "="));
			if (k >= 0)
				bits |= 1u << k;
			t += n;
		}
	}
	return bits;
}

static int put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	if (*at + n + 1 > len)
		return -E2BIG;
	memcpy(buf + *at, s, n);
	*at += n;
	buf[*at] = '\0';
	return 0;
}

int profile_line(const struct profile *p, unsigned int skip, const char *extra,
		 char *buf, size_t len)
{
	size_t at = 0;
	int i, k;

	if (!len)
		return -E2BIG;
	buf[0] = '\0';
	for (i = 0; i < p->nr_streams; i++) {
		const char *t = p->streams[i].spec;

		if (i && put(buf, len, &at, " ; ", 3))
			return -E2BIG;
		if (p->nr_streams > 1 &&
		    (put(buf, len, &at, "stream=", 7) ||
		     put(buf, len, &at, p->streams[i].name, strlen(p->streams[i].name))))
			return -E2BIG;
		if (extra && *extra) {
			if ((at && buf[at - 1] != ' ' && put(buf, len, &at, " ", 1)) ||
			    put(buf, len, &at, extra, strlen(extra)))
				return -E2BIG;
		}
		while (*(t += strspn(t, " \t\n"))) {
			size_t n = strcspn(t, " \t\n");

			k = key_index(t, strcspn(t, "="));
			if (k < 0 || !(skip & (1u << k))) {
				if ((at && buf[at - 1] != ' ' && put(buf, len, &at, " ", 1)) ||
				    put(buf, len, &at, t, n))
					return -E2BIG;
			}
			t += n;
		}
	}
	return 0;
}

struct json_object *profile_meta(const struct profile *p)
{
	struct json_object *m = json_object_new_object(), *st = json_object_new_array();
	int i;

	json_object_object_add(m, "name", json_object_new_string(p->name));
	json_object_object_add(m, "file", json_object_new_string(p->file));
	for (i = 0; i < p->nr_streams; i++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "stream", json_object_new_string(p->streams[i].name));
		json_object_object_add(s, "profile", json_object_new_string(p->streams[i].from));
		json_object_object_add(s, "spec", json_object_new_string(p->streams[i].spec));
		json_object_array_add(st, s);
	}
	json_object_object_add(m, "streams", st);
	json_object_object_add(m, "sources", json_object_get(p->sources));
	return m;
}
