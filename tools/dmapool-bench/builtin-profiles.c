// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench profiles [NAME]: the driver profiles of profiles/ (or
 * $DMAPOOL_PROFILE_DIR), each checked as --profile loads it: a table of
 * them, or one in full (its spec line, streams and every figure's source).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "opts.h"
#include "profile.h"

#define PROFILES_MAX 64

static const struct cmd_help profiles_help = {
	.name = "profiles",
	.synopsis = "[--json] [NAME | FILE]",
	.about =
"List the driver profiles (profiles/*.json, or $DMAPOOL_PROFILE_DIR): name,\n"
"streams, how many figures carry a source, description. With NAME (or a\n"
"path holding a '/'), show that profile: the spec line it runs, its\n"
"streams and the source of every figure. Every profile is checked as\n"
"--profile loads it; a bad one is one line naming the file and JSON path,\n"
"and the exit status is 2.\n",
	.examples =
"  dmapool-bench profiles\n"
"  dmapool-bench profiles rpi-dwc-otg\n"
"  dmapool-bench profiles --json mixed-rpi | jq .line\n"
"  dmapool-bench run --profile rpi-dwc-otg --coherent-pool 512K\n",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Profile names in the directory, sorted: their count, or -errno. */
static int list_names(const char *dir, char (*names)[NAME_MAX + 1], int max)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp) {
		p_err("profiles: cannot read the profile directory '%s': %s", dir,
		      strerror(errno));
		return -errno;
	}
	while ((d = readdir(dp)) && n < max) {
		size_t l = strlen(d->d_name);

		if (l <= 5 || strcmp(d->d_name + l - 5, ".json") ||
		    !strcmp(d->d_name, "profile.schema.json") || d->d_name[0] == '.')
			continue;
		snprintf(names[n++], NAME_MAX + 1, "%.*s", (int)(l - 5), d->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

static struct json_object *summary_json(const struct profile *p)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_array();
	int i;

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "file", json_object_new_string(p->file));
	json_object_object_add(o, "description", json_object_new_string(p->description));
	for (i = 0; i < p->nr_streams; i++)
		json_object_array_add(st, json_object_new_string(p->streams[i].name));
	json_object_object_add(o, "streams", st);
	json_object_object_add(o, "sources",
			       json_object_new_int(json_object_array_length(p->sources)));
	json_object_object_add(o, "coherent_pool", p->coherent_pool[0] ?
			       json_object_new_string(p->coherent_pool) : NULL);
	return o;
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int profiles_list(void)
{
	static char names[PROFILES_MAX][NAME_MAX + 1];
	struct json_object *arr = json_object_new_array(), *root;
	struct profile p;
	int n, i, j, ret = EXIT_OK;

	n = list_names(profile_dir(), names, PROFILES_MAX);
	if (n < 0) {
		json_object_put(arr);
		return EXIT_USAGE;
	}
	if (!json_output)
		printf("%-20s %-22s %7s  %s\n", "NAME", "STREAMS", "SOURCES", "DESCRIPTION");
	for (i = 0; i < n; i++) {
		char streams[64] = "";

		if (profile_load(names[i], &p)) {
			ret = EXIT_USAGE;
			continue;
		}
		for (j = 0; j < p.nr_streams; j++)
			snprintf(streams + strlen(streams), sizeof(streams) - strlen(streams),
				 "%s%s", j ? "," : "", p.streams[j].name);
		if (json_output)
			json_object_array_add(arr, summary_json(&p));
		else
			printf("%-20s %-22s %7zu  %s\n", p.name, streams,
			       json_object_array_length(p.sources), p.description);
		profile_free(&p);
	}
	if (json_output) {
		root = json_object_new_object();
		json_object_object_add(root, "dir", json_object_new_string(profile_dir()));
		json_object_object_add(root, "profiles", arr);
		print_json(root);
		json_object_put(root);
	} else {
		json_object_put(arr);
		if (!n)
			printf("(no profiles in %s)\n", profile_dir());
	}
	return ret;
}

static int profiles_show(const char *arg)
{
	char line[DMAPOOL_MAX_SPEC_LEN + 1];
	struct json_object *o, *s, *st;
	struct profile p;
	size_t i;
	int k;

	if (profile_load(arg, &p))
		return EXIT_USAGE;
	if (profile_line(&p, 0, "", line, sizeof(line))) {
		p_err("profiles: %s: the spec line is longer than %u bytes", p.file,
		      DMAPOOL_MAX_SPEC_LEN);
		profile_free(&p);
		return EXIT_USAGE;
	}
	if (json_output) {
		o = profile_meta(&p);
		json_object_object_add(o, "description", json_object_new_string(p.description));
		json_object_object_add(o, "coherent_pool", p.coherent_pool[0] ?
				       json_object_new_string(p.coherent_pool) : NULL);
		json_object_object_add(o, "line", json_object_new_string(line));
		json_object_object_add(o, "include", json_object_get(p.includes));
		json_object_object_add(o, "notes", json_object_new_string(p.notes));
		st = json_object_object_get(o, "streams");
		for (k = 0; k < p.nr_streams; k++)
			json_object_object_add(json_object_array_get_idx(st, k), "notes",
					       json_object_new_string(p.streams[k].notes));
		print_json(o);
		json_object_put(o);
		profile_free(&p);
		return EXIT_OK;
	}
	printf("profile %s (%s)\n  %s\n", p.name, p.file, p.description);
	printf("coherent_pool: %s\n", p.coherent_pool[0] ? p.coherent_pool :
	       "not set (the kernel's rule, or --coherent-pool)");
	printf("spec line:\n  %s\n", line);
	printf("streams:\n");
	for (k = 0; k < p.nr_streams; k++)
		printf("  %-15s %s%s%s%s\n", p.streams[k].name, p.streams[k].spec,
		       strcmp(p.streams[k].from, p.name) ? " (from " : "",
		       strcmp(p.streams[k].from, p.name) ? p.streams[k].from : "",
		       strcmp(p.streams[k].from, p.name) ? ")" : "");
	for (k = 0; k < p.nr_streams; k++)
		if (p.streams[k].notes[0])
			printf("notes (%s): %s\n", p.streams[k].name, p.streams[k].notes);
	if (p.notes[0])
		printf("notes: %s\n", p.notes);
	printf("sources (%zu):\n", json_object_array_length(p.sources));
	for (i = 0; i < json_object_array_length(p.sources); i++) {
		s = json_object_array_get_idx(p.sources, i);
		printf("  %-15s %-10s %s\n",
		       json_object_get_string(json_object_object_get(s, "stream")) ?: "-",
		       json_object_get_string(json_object_object_get(s, "key")),
		       json_object_get_string(json_object_object_get(s, "source")));
	}
	profile_free(&p);
	return EXIT_OK;
}

int cmd_profiles(int argc, char **argv)
{
	struct opt_use use[1] = { { NULL, NULL } };
	int first, ret;

	ret = opts_parse(&profiles_help, use, 0, argc, argv, &first);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (argc - first > 1) {
		p_err("profiles: unexpected argument '%s'", argv[first + 1]);
		return EXIT_USAGE;
	}
	return first < argc ? profiles_show(argv[first]) : profiles_list();
}
