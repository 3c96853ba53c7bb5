// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench gate: is a candidate slower than a baseline? The method of
 * DESIGN.md section 9, per rule (metric, case selector, threshold):
 *
 *  - hard tier: a failure of either of the kernel's kinds (no suitable
 *    pool, pool exhausted) or a fallback route the baseline never had; in
 *    deterministic mode a mean (instruction-time per op) more than 2 % up.
 *  - statistical tier (mean, p50, p90, ops_per_sec): the bootstrap CI of the
 *    run-by-run ratio lies wholly beyond max(threshold, 2 x noise floor) and
 *    the Mann-Whitney p < 0.05.
 *  - tail tier (p99, p999, with >= 10000 events a run): LKP separation and a
 *    median ratio beyond the same limit.
 *
 * Per-run values are the samples: a file with --repeat N gives N of them.
 * The noise floor is an A/A comparison: with --paired an explicit third set
 * of A runs interleaved with the others; with two files the baseline's runs
 * paired among themselves (0 with 1, 2 with 3, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fleet.h"
#include "gate.h"
#include "hist.h"
#include "main.h"
#include "opts.h"
#include "result.h"
#include "run.h"
#include "spec.h"
#include "stats.h"
#include "vm.h"


static bool case_selected(struct json_object *cs, const void *arg)
{
	const struct gate_rule *r = arg;

	const char *stream = json_object_object_get(cs, "stream") ?
			     jget_str(cs, "stream") : DMAPOOL_STREAM_DEFAULT;

	return !strcmp(jget_str(cs, "op"), r->op) &&
	       (!*r->stream || !strcmp(stream, r->stream)) &&
	       (!*r->pool || !strcmp(jget_str(cs, "pool"), r->pool)) &&
	       (!*r->ctx || !strcmp(jget_str(cs, "ctx"), r->ctx)) &&
	       (r->order < 0 || (int)jget_u64(cs, "size_order") == r->order);
}

/* The value of @r's metric in one run; *@events: the selected events. */
static double run_value(struct json_object *run, const struct gate_rule *r,
			uint64_t *events)
{
	struct result_merged m = {};
	uint64_t elapsed;

	result_merge_cases(run, case_selected, r, &m);
	*events = m.n;
	if (!m.n)
		return 0;
	switch (r->m) {
	case M_MEAN:
		return (double)m.sum_ns / m.n;
	case M_OPS:
		elapsed = jget_u64(run, "elapsed_ns");
		return elapsed ? m.n * 1e9 / elapsed : 0;
	default:
		return hist_quantile(m.slots, m.n, m.max, gate_metrics[r->m].q);
	}
}

static void side_values(struct json_object *root, const struct gate_rule *r,
			struct gate_sample *s)
{
	struct json_object *runs = json_object_object_get(root, "runs");
	size_t i;

	s->n = 0;
	s->min_events = UINT64_MAX;
	for (i = 0; i < json_object_array_length(runs) && s->n < GATE_MAX_SAMPLES; i++) {
		uint64_t ev;

		s->v[s->n++] = run_value(json_object_array_get_idx(runs, i), r, &ev);
		if (ev < s->min_events)
			s->min_events = ev;
	}
	if (!s->n)
		s->min_events = 0;
}

/* Failures and fallback routes: new in the candidate = regression. */
static int count_key(struct gate_hard *hc, int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(hc[i].name, name))
			return i;
	snprintf(hc[nr].name, sizeof(hc[nr].name), "%s", name);
	hc[nr].base = hc[nr].cand = 0;
	return nr;
}

/*
 * The hard-tier row of a module_stats key: the kernel's failure kinds from
 * the results ("fail no_suitable_pool" for result_no_pool, "fail exhausted"
 * for result_exhausted and result_addr_rejected), "fallback kernel->dma32"
 * for "fallback_kernel_dma32"; NULL for other keys.
 */
static const char *hard_name(const char *key, char *buf, size_t len)
{
	static const char * const *const pools = dmapool_pool_names;
	static const char * const *const res = dmapool_res_names;
	static const char * const *const kinds = dmapool_fail_names;
	int f, t;

	for (f = 0; f < DMAPOOL_NR_RES; f++) {
		snprintf(buf, len, "result_%s", res[f]);
		if (f != DMAPOOL_RES_OK && !strcmp(key, buf)) {
			snprintf(buf, len, "fail %s", kinds[DMAPOOL_FAIL_KIND(f)]);
			return buf;
		}
	}
	for (f = 0; f < DMAPOOL_NR_POOLS; f++)
		for (t = 0; t < DMAPOOL_NR_POOLS; t++) {
			snprintf(buf, len, "fallback_%s_%s", pools[f], pools[t]);
			if (!strcmp(key, buf)) {
				snprintf(buf, len, "fallback %s->%s", pools[f], pools[t]);
				return buf;
			}
		}
	return NULL;
}

static int hard_counts(struct json_object *base, struct json_object *cand,
		       struct gate_hard *hc, int max)
{
	struct json_object *roots[2] = { base, cand }, *runs, *ms;
	int nr = 0, side, k;
	size_t i;

	for (side = 0; side < 2; side++) {
		runs = json_object_object_get(roots[side], "runs");
		for (i = 0; i < json_object_array_length(runs); i++) {
			ms = json_object_object_get(json_object_array_get_idx(runs, i),
						    "module_stats");
			json_object_object_foreach(ms, key, val) {
				char buf[48];
				const char *name = hard_name(key, buf, sizeof(buf));

				if (!name)
					continue;
				k = count_key(hc, nr, name);
				if (k == nr && nr == max)
					continue;	/* a new name, and no room */
				nr += k == nr;
				if (side)
					hc[k].cand += json_object_get_uint64(val);
				else
					hc[k].base += json_object_get_uint64(val);
			}
		}
	}
	return nr;
}

/* Results that may not be compared: exit 3 unless --allow-mismatch. */
static int check_match(struct json_object *a, struct json_object *b,
		       const char *an, const char *bn, bool allow)
{
	struct json_object *ma = json_object_object_get(a, "meta");
	struct json_object *mb = json_object_object_get(b, "meta");
	static const char * const keys[] = { "deterministic", "kernel", "spec" };
	const char *va, *vb;
	size_t i;

	/* Both have this program's histogram buckets (result_read()). */
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		va = json_object_to_json_string(json_object_object_get(ma, keys[i]));
		vb = json_object_to_json_string(json_object_object_get(mb, keys[i]));
		if (!strcmp(va, vb))
			continue;
		if (allow) {
			p_info("gate: %s differs (%s vs %s), compared as told", keys[i], va, vb);
			continue;
		}
		p_err("gate: %s differs: %s in %s, %s in %s (--allow-mismatch to compare anyway)",
		      !strcmp(keys[i], "deterministic") ? "mode (deterministic)" : keys[i],
		      va, an, vb, bn);
		return -EINVAL;
	}
	return 0;
}

#define GATE_MAX_HARD		16

/* One comparison judged: the model the printers show. */
struct gate_report {
	const char *bname, *cname;	/* the two sides' file names */
	const char *unit;		/* the results' latency unit */
	bool det;			/* deterministic (instruction-time) */
	struct outcome out[GATE_MAX_OUTCOMES];
	int nr;
	struct gate_hard hc[GATE_MAX_HARD];
	int nhc;
	int status;			/* the exit status */
	const char *kernel, *time;	/* the candidate's meta */
	char run_id[96];		/* both sides' times, a nonce */
};

/* What gate prints: text (the table or --json) or a fleet format. */
struct gate_out {
	enum fleet_format fmt;
	const char *origin;		/* --kcidb-origin */
};

/*
 * Judge @cand against @base (noise from @aa against @base when given, else
 * from the baseline's own runs) into @rep; 0 or -ENOMEM.
 */
static int gate_compute(struct json_object *base, struct json_object *cand,
			struct json_object *aa, const struct gate_rule *rules,
			int nr, struct gate_report *rep)
{
	struct gate_sample *sa = calloc(4, sizeof(*sa));
	struct gate_sample *sb = sa + 1, *s1 = sa + 2, *s2 = sa + 3;
	struct json_object *meta = json_object_object_get(base, "meta");
	int i;

	if (!sa)
		return -ENOMEM;
	rep->det = json_object_get_boolean(json_object_object_get(meta, "deterministic"));
	rep->unit = jget_str(meta, "latency_unit");
	rep->nhc = hard_counts(base, cand, rep->hc, GATE_MAX_HARD);
	rep->nr = nr;
	for (i = 0; i < nr; i++) {
		side_values(base, &rules[i], sa);
		side_values(cand, &rules[i], sb);
		if (aa) {
			side_values(aa, &rules[i], s2);
			gate_judge(&rules[i], sa, sb, gate_noise_floor(sa, s2), rep->det,
				   &rep->out[i]);
		} else {
			gate_split_aa(sa, s1, s2);
			gate_judge(&rules[i], sa, sb, gate_noise_floor(s1, s2), rep->det,
				   &rep->out[i]);
		}
	}
	rep->status = gate_status(rep->out, nr, rep->hc, rep->nhc);
	free(sa);
	return 0;
}

static const char *pct(double x, char *buf, size_t len)
{
	snprintf(buf, len, "%+.1f%%", x * 100);
	return buf;
}

static const char *status_name(int status)
{
	return status == GATE_REGRESSION ? "regression" :
	       status == GATE_INCONCLUSIVE ? "inconclusive" : "pass";
}

static void outcome_plain(const struct outcome *t)
{
	char ci[64] = "-", b1[24], b2[24], b3[24];

	if (t->have_ci)
		snprintf(ci, sizeof(ci), "[%s, %s]", pct(t->lo - 1, b1, sizeof(b1)),
			 pct(t->hi - 1, b2, sizeof(b2)));
	printf("%-22s %-22s %12.1f %12.1f %8s %19s %7s %7s  %s (%s: %s)\n",
	       gate_metrics[t->r->m].name, t->r->sel, t->base, t->cand,
	       pct(t->change, b1, sizeof(b1)), ci, pct(t->noise, b2, sizeof(b2)) + 1,
	       pct(t->limit, b3, sizeof(b3)) + 1, gate_verdict_name(t->verdict),
	       gate_tier_name(t->tier), t->why);
}

static void hard_plain(const struct gate_hard *h)
{
	bool bad = gate_hard_new(h);

	printf("%-22s %-22s %12llu %12llu %8s %19s %7s %7s  %s (hard: %s)\n",
	       h->name, "all runs", (unsigned long long)h->base,
	       (unsigned long long)h->cand, "-", "-", "-", "-",
	       bad ? "regression" : "pass", bad ? "new in the candidate" :
	       h->cand ? "the baseline had them too" : "none");
}

/* The table, then one line naming what failed. */
static void gate_print_plain(const struct gate_report *rep)
{
	enum gate_verdict named = rep->status == GATE_REGRESSION ?
				  GATE_V_REGRESSION : GATE_V_INCONCLUSIVE;
	int i;

	printf("gate: %s (baseline) vs %s (candidate)%s\n", rep->bname, rep->cname,
	       rep->det ? ", deterministic (instruction-time)" : "");
	printf("%-22s %-22s %12s %12s %8s %19s %7s %7s  %s\n", "METRIC", "CASES",
	       "BASELINE", "CANDIDATE", "CHANGE", "95% CI", "NOISE", "LIMIT",
	       "VERDICT");
	for (i = 0; i < rep->nr; i++)
		outcome_plain(&rep->out[i]);
	for (i = 0; i < rep->nhc; i++)
		hard_plain(&rep->hc[i]);
	printf("gate: %s", rep->status == GATE_REGRESSION ? "REGRESSION in" :
	       rep->status == GATE_INCONCLUSIVE ? "INCONCLUSIVE:" : "PASS");
	for (i = 0; i < rep->nr && rep->status; i++)
		if (rep->out[i].verdict == named)
			printf(" %s (%s)", gate_metrics[rep->out[i].r->m].name,
			       rep->out[i].r->sel);
	for (i = 0; i < rep->nhc && rep->status == GATE_REGRESSION; i++)
		if (gate_hard_new(&rep->hc[i]))
			printf(" %s", rep->hc[i].name);
	printf("\n");
}

static struct json_object *outcome_json(const struct outcome *t, const char *unit)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "metric", json_object_new_string(gate_metrics[t->r->m].name));
	json_object_object_add(o, "cases", json_object_new_string(t->r->sel));
	json_object_object_add(o, "unit", json_object_new_string(
		t->r->m == M_OPS ? "ops/s" : unit));
	json_object_object_add(o, "baseline", json_object_new_double(t->base));
	json_object_object_add(o, "candidate", json_object_new_double(t->cand));
	json_object_object_add(o, "change", json_object_new_double(t->change));
	json_object_object_add(o, "ci_low", t->have_ci ?
			       json_object_new_double(t->lo - 1) : NULL);
	json_object_object_add(o, "ci_high", t->have_ci ?
			       json_object_new_double(t->hi - 1) : NULL);
	json_object_object_add(o, "p", json_object_new_double(t->p));
	json_object_object_add(o, "noise", json_object_new_double(t->noise));
	json_object_object_add(o, "threshold", json_object_new_double(t->r->thr));
	json_object_object_add(o, "limit", json_object_new_double(t->limit));
	json_object_object_add(o, "tier", json_object_new_string(gate_tier_name(t->tier)));
	json_object_object_add(o, "verdict", json_object_new_string(
		gate_verdict_name(t->verdict)));
	json_object_object_add(o, "why", json_object_new_string(t->why));
	return o;
}

static struct json_object *hard_json(const struct gate_hard *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "metric", json_object_new_string(h->name));
	json_object_object_add(o, "cases", json_object_new_string("all runs"));
	json_object_object_add(o, "baseline", json_object_new_uint64(h->base));
	json_object_object_add(o, "candidate", json_object_new_uint64(h->cand));
	json_object_object_add(o, "tier", json_object_new_string("hard"));
	json_object_object_add(o, "verdict", json_object_new_string(
		gate_hard_new(h) ? "regression" : "pass"));
	return o;
}

/* One JSON object on one line. */
static void gate_print_json(const struct gate_report *rep)
{
	struct json_object *js = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	int i;

	json_object_object_add(js, "baseline", json_object_new_string(rep->bname));
	json_object_object_add(js, "candidate", json_object_new_string(rep->cname));
	json_object_object_add(js, "deterministic", json_object_new_boolean(rep->det));
	json_object_object_add(js, "verdict", json_object_new_string(status_name(rep->status)));
	json_object_object_add(js, "exit", json_object_new_int(rep->status));
	json_object_object_add(js, "metrics", arr);
	for (i = 0; i < rep->nr; i++)
		json_object_array_add(arr, outcome_json(&rep->out[i], rep->unit));
	for (i = 0; i < rep->nhc; i++)
		json_object_array_add(arr, hard_json(&rep->hc[i]));
	printf("%s\n", json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(js);
}

/* --- fleet formats (fleet.h) ---------------------------------------------- */

/* A rule's test name: "p99.alloc.kernel.hardirq.4K.usb". */
static void rule_test_name(const struct gate_rule *r, char *buf, size_t len)
{
	char size[24] = "";

	if (r->order >= 0)
		fleet_size_name(r->order, size, sizeof(size));
	snprintf(buf, len, "%s.%s%s%s%s%s%s%s%s%s", gate_metrics[r->m].name, r->op,
		 *r->pool ? "." : "", r->pool, *r->ctx ? "." : "", r->ctx,
		 *size ? "." : "", size, *r->stream ? "." : "", r->stream);
}

/* A hard-tier row's name: "fail.exhausted", "fallback.kernel_to_dma32". */
static void hard_test_name(const char *name, char *buf, size_t len)
{
	size_t i, w = 0;

	for (i = 0; name[i] && w + 4 < len; i++) {
		if (name[i] == '-' && name[i + 1] == '>') {
			w += snprintf(buf + w, len - w, "_to_");
			i++;
		} else {
			buf[w++] = name[i] == ' ' ? '.' : name[i];
		}
	}
	buf[w] = '\0';
}

static enum fleet_result verdict_result(enum gate_verdict v)
{
	return v == GATE_V_REGRESSION ? FLEET_FAIL :
	       v == GATE_V_INCONCLUSIVE ? FLEET_SKIP : FLEET_PASS;
}

static void outcome_fleet(const struct outcome *o, struct fleet_test *t)
{
	const char *unit = o->r->m == M_OPS ? "ops/s" : "ns";
	char b1[40], b2[40];

	t->have_value = t->have_base = true;
	t->value = o->cand;
	t->base = o->base;
	t->change = o->change;
	t->unit = unit;
	fleet_diag(t, "cases: %s, threshold %.1f%%", o->r->sel, o->r->thr * 100);
	fleet_diag(t, "base %s %s, candidate %s %s, change %+.1f%%",
		   fleet_num(o->base, b1, sizeof(b1)), unit,
		   fleet_num(o->cand, b2, sizeof(b2)), unit, o->change * 100);
	if (o->have_ci)
		fleet_diag(t, "95%% CI [%+.1f%%, %+.1f%%], noise %.1f%%, limit %.1f%%",
			   (o->lo - 1) * 100, (o->hi - 1) * 100, o->noise * 100,
			   o->limit * 100);
	else
		fleet_diag(t, "CI -, noise %.1f%%, limit %.1f%%", o->noise * 100,
			   o->limit * 100);
	fleet_diag(t, "%s (%s tier): %s", gate_verdict_name(o->verdict),
		   gate_tier_name(o->tier), o->why);
	if (o->verdict == GATE_V_INCONCLUSIVE)
		snprintf(t->reason, sizeof(t->reason), "inconclusive: %s", o->why);
}

static void hard_fleet(const struct gate_hard *h, struct fleet_test *t)
{
	t->have_value = t->have_base = true;
	t->value = h->cand;
	t->base = h->base;
	t->change = h->base ? ((double)h->cand - h->base) / h->base :
		    h->cand ? INFINITY : 0;
	t->unit = "count";
	fleet_diag(t, "cases: all runs (hard tier)");
	fleet_diag(t, "base %llu, candidate %llu", (unsigned long long)h->base,
		   (unsigned long long)h->cand);
	fleet_diag(t, "%s", gate_hard_new(h) ? "regression: new in the candidate" :
		   h->cand ? "pass: the baseline had them too" : "pass: none");
}

/* The report as fleet tests, printed as @go->fmt; the exit status. */
static int gate_print_fleet(const struct gate_report *rep, const struct gate_out *go)
{
	struct fleet_test *t = calloc(GATE_MAX_OUTCOMES + GATE_MAX_HARD, sizeof(*t));
	struct fleet_meta m = {
		.origin = go->origin, .suite = "gate", .build = rep->kernel,
		.run_id = rep->run_id, .start_time = rep->time,
	};
	char name[FLEET_NAME_LEN];
	int i, err, nr = 0, max = GATE_MAX_OUTCOMES + GATE_MAX_HARD;
	struct fleet_test *one;

	if (!t)
		return GATE_INVALID;
	for (i = 0; i < rep->nr; i++) {
		rule_test_name(rep->out[i].r, name, sizeof(name));
		one = fleet_add(t, &nr, max, name, verdict_result(rep->out[i].verdict));
		if (one)
			outcome_fleet(&rep->out[i], one);
	}
	for (i = 0; i < rep->nhc; i++) {
		hard_test_name(rep->hc[i].name, name, sizeof(name));
		one = fleet_add(t, &nr, max, name, gate_hard_new(&rep->hc[i]) ?
				FLEET_FAIL : FLEET_PASS);
		if (one)
			hard_fleet(&rep->hc[i], one);
	}
	err = fleet_print(stdout, go->fmt, t, nr, &m);
	free(t);
	/* Undelivered: not a verdict (the fleet sees no document). */
	if (err)
		return go->fmt == FLEET_KTAP ? FLEET_KSFT_FAIL : GATE_INVALID;
	if (go->fmt != FLEET_KTAP)
		return rep->status;
	return rep->status == GATE_REGRESSION ? FLEET_KSFT_FAIL :
	       rep->status == GATE_INCONCLUSIVE ? FLEET_KSFT_SKIP : FLEET_KSFT_PASS;
}

/*
 * Invalid input in a fleet format: one failing test, gate.input, so that a
 * fleet reading stdout sees the failure (the reason is on stderr), not an
 * empty result; kselftest's exit 1 for ktap, the gate's 3 otherwise.
 */
static int gate_invalid_fleet(enum fleet_format fmt, const char *origin)
{
	struct fleet_test t = {};
	char nonce[16];
	struct fleet_meta m = { .origin = origin, .suite = "gate", .run_id = nonce };
	int nr = 0;

	fleet_nonce(nonce, sizeof(nonce));
	fleet_add(&t, &nr, 1, "gate.input", FLEET_FAIL);
	fleet_diag(&t, "invalid input (gate exit 3): see stderr");
	fleet_print(stdout, fmt, &t, nr, &m);
	return fmt == FLEET_KTAP ? FLEET_KSFT_FAIL : GATE_INVALID;
}

/* Judge, print (table or JSON), return the exit status. */
static int gate_eval(struct json_object *base, struct json_object *cand,
		     struct json_object *aa, const struct gate_rule *rules, int nr,
		     const char *bname, const char *cname, const struct gate_out *go)
{
	struct gate_report *rep = calloc(1, sizeof(*rep));
	struct gate_rule *per = calloc(GATE_MAX_OUTCOMES, sizeof(*per));
	struct json_object *streams = json_object_object_get(
		json_object_array_get_idx(json_object_object_get(base, "runs"), 0),
		"streams");
	const char *names[GATE_MAX_STREAMS];
	char nonce[16];
	int status, n = 0;

	while (streams && n < GATE_MAX_STREAMS &&
	       n < (int)json_object_array_length(streams)) {
		names[n] = jget_str(json_object_array_get_idx(streams, n), "name");
		n++;
	}
	/* Several streams: each rule per stream, never across them. */
	nr = per ? gate_rules_per_stream(rules, nr, names, n, per,
					 GATE_MAX_OUTCOMES) : -ENOMEM;
	if (nr < 0)
		p_err("gate: %d streams times the rules are more than %d comparisons",
		      n, GATE_MAX_OUTCOMES);
	if (!rep || nr < 0 || gate_compute(base, cand, aa, per, nr, rep)) {
		free(rep);
		free(per);
		return GATE_INVALID;
	}
	rep->bname = bname;
	rep->cname = cname;
	rep->kernel = jget_str(json_object_object_get(cand, "meta"), "kernel");
	rep->time = jget_str(json_object_object_get(cand, "meta"), "time");
	fleet_nonce(nonce, sizeof(nonce));
	snprintf(rep->run_id, sizeof(rep->run_id), "%.32s.vs.%.32s.%s", rep->time,
		 jget_str(json_object_object_get(base, "meta"), "time"), nonce);
	status = rep->status;
	if (go->fmt != FLEET_TEXT)
		status = gate_print_fleet(rep, go);
	else if (json_output)
		gate_print_json(rep);
	else
		gate_print_plain(rep);
	free(rep);
	free(per);
	return status;
}

/* --- --paired: A B A' rounds in one boot ---------------------------------- */

struct pair_opts {
	const char *spec[2];
	struct run_opts run[2];		/* A and B */
	unsigned int rounds;
	const char *output;
	const char *rules;
	bool allow, paired;
	struct vm_opts vm;
	struct fleet_opts fleet;
	struct gate_out out;		/* from fleet, checked */
	bool guest_printed;		/* the guest's gate printed the fleet document */
};

/* Side @k's `run` arguments, into @dir on a freshly loaded module. */
static int side_args(const struct pair_opts *po, int k, const char *dir,
		     char **argv, int max, char *store, size_t len)
{
	struct run_opts r = po->run[k];

	r.fresh = true;
	r.output = dir;
	return run_opts_to_argv(&r, argv, max, store, len);
}

/* The runs of @nr result files as one result (the first one's meta). */
static struct json_object *merge_runs(char paths[][PATH_MAX], int nr)
{
	struct json_object *root = NULL, *one, *runs, *r;
	size_t i;
	int k;

	for (k = 0; k < nr; k++) {
		one = result_read(paths[k]);
		if (!one) {
			json_object_put(root);
			return NULL;
		}
		if (!root) {
			root = one;
			continue;
		}
		runs = json_object_object_get(one, "runs");
		for (i = 0; i < json_object_array_length(runs); i++) {
			r = json_object_get(json_object_array_get_idx(runs, i));
			json_object_object_add(r, "index", json_object_new_int(
				json_object_array_length(json_object_object_get(root, "runs"))));
			json_object_array_add(json_object_object_get(root, "runs"), r);
		}
		json_object_put(one);
	}
	return root;
}

static int paired_here(const struct pair_opts *po, const char *outdir,
		       const struct gate_rule *rules, int nr)
{
	static const char * const tag[3] = { "a", "b", "aa" };
	char (*paths)[PATH_MAX] = calloc(3 * po->rounds, PATH_MAX);
	char log[PATH_MAX + 16], dir[PATH_MAX - 32], store[4096], *argv[32];
	struct json_object *side[3] = {};
	unsigned int r;
	int k, ret = GATE_INVALID, st;

	if (!paths)
		return GATE_INVALID;
	snprintf(log, sizeof(log), "%s/runs.log", outdir);
	unlink(log);
	for (r = 0; r < po->rounds; r++) {
		for (k = 0; k < 3; k++) {
			snprintf(dir, sizeof(dir), "%.3900s/%s-%u", outdir, tag[k], r);
			if (side_args(po, k == 1, dir, argv, ARRAY_SIZE(argv), store,
				      sizeof(store)) < 0)
				goto out;
			p_info("gate: round %u/%u: %s", r + 1, po->rounds,
			       k == 0 ? "A" : k == 1 ? "B" : "A'");
			st = run_spawn(argv, log);
			if (st) {
				p_err("gate: run %s of round %u failed (exit %d; see %s)",
				      k == 1 ? "B" : "A", r + 1, st, log);
				goto out;
			}
			snprintf(paths[k * po->rounds + r], PATH_MAX, "%s/result.json", dir);
		}
	}
	for (k = 0; k < 3; k++) {
		side[k] = merge_runs(paths + k * po->rounds, po->rounds);
		snprintf(dir, sizeof(dir), "%s.json", tag[k]);
		if (!side[k] || result_write_json(side[k], outdir, dir))
			goto out;
	}
	snprintf(dir, sizeof(dir), "%.3900s/a.json", outdir);
	snprintf(log, sizeof(log), "%s/b.json", outdir);
	ret = gate_eval(side[0], side[1], side[2], rules, nr, dir, log, &po->out);
out:
	for (k = 0; k < 3; k++)
		json_object_put(side[k]);
	free(paths);
	return ret;
}

/* A --paired spec as `run` would take it, checked before any guest boots. */
static int pair_spec(struct pair_opts *po, int k, const char *spec)
{
	struct run_opts *r = &po->run[k];

	run_opts_init(r, "gate");
	r->vm = po->vm;
	po->spec[k] = spec;
	if (run_opts_set_line(r, spec) || run_opts_finish(r))
		return -EINVAL;
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = n >= 0 && n < (1 << 20) ? calloc(1, n + 1) : NULL;
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (!buf)
		errno = EINVAL;
	return buf;
}

static const struct opt gate_opts_table[] = {
	OPT_STR_("rules", 0, struct pair_opts, rules, "FILE",
		 "rules: lines 'METRIC [KEY=VALUE...] THRESHOLD%'\n"
		 "METRIC: mean p50 p90 p99 p999 ops_per_sec\n"
		 "KEY: op (alloc, free), pool, ctx, size_order"),
	OPT_FLAG_("allow-mismatch", 0, struct pair_opts, allow,
		  "compare results of different modes, kernels or specs"),
	OPT_FLAG_("paired", 0, struct pair_opts, paired,
		  "A-SPEC B-SPEC: run both, interleaved, in one guest boot"),
	OPT_UINT_("rounds", struct pair_opts, rounds, "N", GATE_MIN_RUNS, 100, "",
		  "--paired: rounds (default 5, at least 5)"),
	OPT_STR_("output", 'o', struct pair_opts, output, "DIR",
		 "--paired: where the runs go (default results/gate)"),
};

static const struct opt_group gate_group = OPT_GROUP("Options", gate_opts_table);

static const struct cmd_help gate_help = {
	.name = "gate",
	.synopsis = "[OPTIONS] BASELINE.json CANDIDATE.json\n"
		    "       dmapool-bench gate [OPTIONS] --paired A-SPEC B-SPEC",
	.about =
"Decide whether CANDIDATE (or B) is slower than BASELINE (or A), metric by\n"
"metric, with the method of DESIGN.md section 9: hard tier (new failures of\n"
"either kind, no suitable pool or exhausted, or new fallback routes;\n"
"deterministic: mean instruction-time per op up > 2%),\n"
"statistical tier (bootstrap CI of the paired ratio beyond max(threshold,\n"
"2 x noise floor) and Mann-Whitney p < 0.05), tail tier (LKP separation,\n"
">= 10000 events a run). Every run of a result file is one sample.\n"
"\n"
"--paired runs A and B interleaved in one guest boot (A B A' per round, each\n"
"run on a freshly loaded module); the A/A' pairs give the noise floor.\n"
"A spec is workload keys (the module's spec syntax) plus pool keys\n"
"coherent_pool=SIZE remap=0|1 test_spin_ns=N, e.g. 'size=4K ops=20000'.\n"
"The guest options apply to --paired.\n"
"\n"
"Default rules:\n"
"  mean op=alloc 2%   p50 op=alloc 5%   p90 op=alloc 5%   p99 op=alloc 10%\n"
"  p999 op=alloc 20%  ops_per_sec op=alloc 5%   mean op=free 5%\n"
"\n"
"Exit status: 0 pass, 1 regression, 2 inconclusive (too noisy, too few runs or\n"
"events), 3 invalid input or mismatched results (or the guest failed).\n"
"--format ktap exits as kselftest does: 0 all pass, 1 a regression or invalid\n"
"input, 4 nothing failed but something was inconclusive (a SKIP).\n",
	.examples =
"  dmapool-bench gate results/baseline/result.json results/latest/result.json\n"
"  dmapool-bench gate --rules my.rules --json base.json cand.json\n"
"  dmapool-bench gate --format ktap results/baseline/result.json results/latest/result.json\n"
"  dmapool-bench gate --format kcidb --kcidb-origin my_lab base.json cand.json\n"
"  dmapool-bench gate --format lava base.json cand.json   # for a LAVA parse pattern\n"
"  dmapool-bench gate --paired --deterministic 'ops=20000' 'ops=20000 test_spin_ns=100'\n",
};

/* The rules of --rules FILE, or the default ones: 0 or -EINVAL. */
static int load_rules(const char *path, struct gate_rule *rules, int *nr)
{
	char *text;
	int ret;

	if (!path)
		return gate_parse_rules(gate_default_rules, "default rules", rules, nr);
	text = slurp(path);
	if (!text) {
		p_err("gate: cannot read rules file '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	ret = gate_parse_rules(text, path, rules, nr);
	free(text);
	return ret;
}

/* BASELINE and CANDIDATE result files: a gate exit status. */
static int gate_files(const struct pair_opts *po, const char *base,
		      const char *cand, const struct gate_rule *rules, int nr)
{
	struct json_object *a, *b;
	int ret;

	a = result_read(base);
	b = a ? result_read(cand) : NULL;
	ret = !b ? GATE_INVALID :
	      check_match(a, b, base, cand, po->allow) ? GATE_INVALID :
	      gate_eval(a, b, NULL, rules, nr, base, cand, &po->out);
	json_object_put(a);
	json_object_put(b);
	return ret;
}

/* After the options: a gate exit status (ktap mode: kselftest's). */
static int gate_main(struct pair_opts *po, int argc, char **argv, int first)
{
	struct gate_rule rules[GATE_MAX_RULES];
	char outdir[PATH_MAX];
	int nr, ret;

	if (argc - first != 2) {
		p_err("gate: %s (see 'dmapool-bench gate --help')", po->paired ?
		      "--paired takes two specs, A and B" :
		      "give a baseline and a candidate result file");
		return GATE_INVALID;
	}
	if (load_rules(po->rules, rules, &nr))
		return GATE_INVALID;
	if (!po->paired)
		return gate_files(po, argv[first], argv[first + 1], rules, nr);
	if (vm_check_opts("gate", &po->vm) || pair_spec(po, 0, argv[first]) ||
	    pair_spec(po, 1, argv[first + 1]))
		return GATE_INVALID;
	if (run_prepare_outdir("gate", po->output, outdir))
		return GATE_INVALID;
	if (!vm_needed(po->vm.force))
		return paired_here(po, outdir, rules, nr);
	po->vm.rwdir = outdir;
	po->vm.hold_output = po->out.fmt != FLEET_TEXT;
	po->vm.cpus = po->vm.deterministic ? 1 : 2;
	ret = vm_run(&po->vm, argc, argv);
	/* Its own status: its document, even an invalid input's, is out. */
	po->guest_printed = ret < 124;
	/* The guest's gate exits as we would: ktap mode's 4 is a skip. */
	if (po->out.fmt == FLEET_KTAP && ret == FLEET_KSFT_SKIP)
		return ret;
	if (ret > GATE_INVALID) {
		p_err("gate: the guest failed (tools/dmapool-vm exit %d)", ret);
		ret = GATE_INVALID;
	}
	return ret;
}

int cmd_gate(int argc, char **argv)
{
	struct pair_opts po = { .rounds = 5, .output = "results/gate" };
	struct opt_use use[] = { { &gate_group, &po }, { &fleet_group, &po.fleet },
				 { &vm_group, &po.vm } };
	int first, ret;

	ret = opts_parse(&gate_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret > 0 ? GATE_PASS : GATE_INVALID;
	if (fleet_opts_check("gate", &po.fleet, &po.out.fmt))
		return GATE_INVALID;
	po.out.origin = po.fleet.origin;
	ret = gate_main(&po, argc, argv, first);
	/* Fleets: invalid input is a failure, and stdout says so. */
	if (po.out.fmt != FLEET_TEXT && ret == GATE_INVALID && !po.guest_printed)
		return gate_invalid_fleet(po.out.fmt, po.out.origin);
	return ret;
}
