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

#include "hist.h"
#include "main.h"
#include "result.h"
#include "run.h"
#include "spec.h"
#include "stats.h"
#include "vm.h"

/* The gate's own exit statuses (DESIGN.md section 9). */
#define GATE_PASS		0
#define GATE_REGRESSION		1
#define GATE_INCONCLUSIVE	2
#define GATE_INVALID		3

#define GATE_MIN_RUNS		5	/* per side, statistical and tail tiers */
#define GATE_TAIL_EVENTS	10000	/* per run, tail tier */
#define GATE_DET_HARD		0.02	/* deterministic: mean up > 2 % */
#define GATE_ALPHA		0.05
#define GATE_BOOT_ITERS		10000
#define GATE_MAX_RULES		32

static const char gate_usage[] =
"Usage: dmapool-bench gate [OPTIONS] BASELINE.json CANDIDATE.json\n"
"       dmapool-bench gate [OPTIONS] --paired A-SPEC B-SPEC\n"
"\n"
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
"\n"
"Options:\n"
"  --rules FILE           rules: lines 'METRIC [KEY=VALUE...] THRESHOLD%'\n"
"                         METRIC: mean p50 p90 p99 p999 ops_per_sec\n"
"                         KEY: op (alloc, free), pool, ctx, size_order\n"
"  --allow-mismatch       compare results of different modes, kernels or specs\n"
"  --rounds N             --paired: rounds (default 5, at least 5)\n"
"  -o, --output DIR       --paired: where the runs go (default results/gate)\n"
"  --deterministic        --paired: guest with -icount (instruction-time)\n"
"  --kernel VER           --paired: guest kernel\n"
"  --vm-mem SIZE          --paired: guest memory (default 2G)\n"
"  -j, --json             the verdicts as JSON\n"
"\n"
"Default rules:\n"
"  mean op=alloc 2%   p50 op=alloc 5%   p90 op=alloc 5%   p99 op=alloc 10%\n"
"  p999 op=alloc 20%  ops_per_sec op=alloc 5%   mean op=free 5%\n"
"\n"
"Exit status: 0 pass, 1 regression, 2 inconclusive (too noisy, too few runs or\n"
"events), 3 invalid input or mismatched results (or the guest failed).\n"
"\n"
"Examples:\n"
"  dmapool-bench gate results/baseline/result.json results/latest/result.json\n"
"  dmapool-bench gate --rules my.rules --json base.json cand.json\n"
"  dmapool-bench gate --paired --deterministic 'ops=20000' 'ops=20000 test_spin_ns=100'\n";

enum metric { M_MEAN, M_P50, M_P90, M_P99, M_P999, M_OPS, M_NR };

static const struct {
	const char *name;
	double q;		/* quantile, or 0 */
	bool tail;
	bool higher_better;
} metrics[M_NR] = {
	[M_MEAN] = { "mean", 0, false, false },
	[M_P50] = { "p50", 0.5, false, false },
	[M_P90] = { "p90", 0.9, false, false },
	[M_P99] = { "p99", 0.99, true, false },
	[M_P999] = { "p999", 0.999, true, false },
	[M_OPS] = { "ops_per_sec", 0, false, true },
};

struct rule {
	enum metric m;
	char op[8], pool[8], ctx[12];
	int order;		/* size_order, -1: any */
	double thr;		/* fraction */
	char sel[64];		/* the selector as written, for output */
};

static const char default_rules[] =
	"mean op=alloc 2%\np50 op=alloc 5%\np90 op=alloc 5%\np99 op=alloc 10%\n"
	"p999 op=alloc 20%\nops_per_sec op=alloc 5%\nmean op=free 5%\n";

static int parse_rule(const char *line, const char *where, struct rule *r)
{
	char buf[256], *tok, *save, *end;
	int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->op, sizeof(r->op), "alloc");
	r->order = -1;
	r->thr = -1;
	snprintf(buf, sizeof(buf), "%s", line);
	tok = strtok_r(buf, " \t", &save);
	for (i = 0; i < M_NR; i++)
		if (!strcmp(tok, metrics[i].name))
			break;
	if (i == M_NR) {
		p_err("gate: %s: unknown metric '%s' (mean, p50, p90, p99, p999, ops_per_sec)",
		      where, tok);
		return -EINVAL;
	}
	r->m = i;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');

		if (r->thr >= 0) {
			p_err("gate: %s: '%s' after the threshold", where, tok);
			return -EINVAL;
		}
		if (!eq) {
			errno = 0;
			r->thr = strtod(tok, &end) / 100;
			if (errno || end == tok || strcmp(end, "%") || r->thr < 0 ||
			    r->thr > 10) {
				p_err("gate: %s: invalid threshold '%s' (a percentage such as 5%%)",
				      where, tok);
				return -EINVAL;
			}
			continue;
		}
		*eq++ = '\0';
		if (!strcmp(tok, "op") &&
		    dmapool_name_index(DMAPOOL_NAMES_OP, eq, strlen(eq)) >= 0) {
			snprintf(r->op, sizeof(r->op), "%s", eq);
		} else if (!strcmp(tok, "pool") &&
			   dmapool_name_index(DMAPOOL_NAMES_POOL, eq, strlen(eq)) >= 0) {
			snprintf(r->pool, sizeof(r->pool), "%s", eq);
		} else if (!strcmp(tok, "ctx") &&
			   dmapool_name_index(DMAPOOL_NAMES_CTX, eq, strlen(eq)) >= 0) {
			snprintf(r->ctx, sizeof(r->ctx), "%s", eq);
		} else if (!strcmp(tok, "size_order") && *eq &&
			   strspn(eq, "0123456789") == strlen(eq) && atoi(eq) <= 10) {
			r->order = atoi(eq);
		} else {
			p_err("gate: %s: invalid selector '%s=%s' (op=alloc|free, pool=dma|dma32|kernel, ctx=..., size_order=0..10)",
			      where, tok, eq);
			return -EINVAL;
		}
	}
	if (r->thr < 0) {
		p_err("gate: %s: no threshold (e.g. '%s op=alloc 5%%')", where,
		      metrics[r->m].name);
		return -EINVAL;
	}
	snprintf(r->sel, sizeof(r->sel), "op=%s%s%s%s%s", r->op,
		 *r->pool ? " pool=" : "", r->pool, *r->ctx ? " ctx=" : "", r->ctx);
	if (r->order >= 0)
		snprintf(r->sel + strlen(r->sel), sizeof(r->sel) - strlen(r->sel),
			 " size_order=%d", r->order);
	return 0;
}

/* Rules from @text (a file's contents); @name for messages. */
static int parse_rules(const char *text, const char *name, struct rule *rules,
		       int *nr)
{
	char line[256], where[PATH_MAX + 32];
	const char *p = text;
	int lineno = 0;

	*nr = 0;
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *s, *hash;

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (!*s)
			continue;
		if (*nr == GATE_MAX_RULES) {
			p_err("gate: %s: more than %d rules", name, GATE_MAX_RULES);
			return -EINVAL;
		}
		snprintf(where, sizeof(where), "%s:%d", name, lineno);
		if (parse_rule(s, where, &rules[(*nr)++]))
			return -EINVAL;
	}
	if (!*nr) {
		p_err("gate: %s: no rules", name);
		return -EINVAL;
	}
	return 0;
}

static bool case_selected(struct json_object *cs, const void *arg)
{
	const struct rule *r = arg;

	return !strcmp(jget_str(cs, "op"), r->op) &&
	       (!*r->pool || !strcmp(jget_str(cs, "pool"), r->pool)) &&
	       (!*r->ctx || !strcmp(jget_str(cs, "ctx"), r->ctx)) &&
	       (r->order < 0 || (int)jget_u64(cs, "size_order") == r->order);
}

/* The value of @r's metric in one run; *@events: the selected events. */
static double run_value(struct json_object *run, const struct rule *r,
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
		return hist_quantile(m.slots, m.n, m.max, metrics[r->m].q);
	}
}

struct sample {
	double v[1000];
	size_t n;
	uint64_t min_events;
};

static void side_values(struct json_object *root, const struct rule *r,
			struct sample *s)
{
	struct json_object *runs = json_object_object_get(root, "runs");
	size_t i;

	s->n = 0;
	s->min_events = UINT64_MAX;
	for (i = 0; i < json_object_array_length(runs) && s->n < 1000; i++) {
		uint64_t ev;

		s->v[s->n++] = run_value(json_object_array_get_idx(runs, i), r, &ev);
		if (ev < s->min_events)
			s->min_events = ev;
	}
	if (!s->n)
		s->min_events = 0;
}

struct verdict {
	const char *tier;	/* hard, statistical, tail */
	const char *what;	/* pass, improved, regression, inconclusive */
	char why[160];
};

/* The bootstrap ratio CI of @b over @a; paired when the counts match. */
static int ratio_ci(const struct sample *a, const struct sample *b,
		    double *lo, double *pt, double *hi)
{
	return stats_bootstrap_ratio(a->v, a->n, b->v, b->n, a->n == b->n, 0.95,
				     GATE_BOOT_ITERS, 1, lo, pt, hi);
}

/* The A/A noise floor: the CI half-width of A' over A, 0 when unknown. */
static double noise_floor(const struct sample *a, const struct sample *aa)
{
	double lo, pt, hi;

	if (a->n < 2 || aa->n < 2 || ratio_ci(a, aa, &lo, &pt, &hi))
		return 0;
	return fmax(fabs(lo - 1), fabs(hi - 1));
}

/* From the baseline alone: runs 0, 2, 4... against runs 1, 3, 5... */
static void split_aa(const struct sample *base, struct sample *a,
		     struct sample *aa)
{
	size_t i;

	a->n = aa->n = 0;
	for (i = 0; i + 1 < base->n; i += 2) {
		a->v[a->n++] = base->v[i];
		aa->v[aa->n++] = base->v[i + 1];
	}
}

struct outcome {
	const struct rule *r;
	double base, cand, change, lo, hi, noise, limit, p;
	bool have_ci;
	struct verdict v;
};

static bool all_positive(const struct sample *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] <= 0)
			return false;
	return s->n > 0;
}

static void judge(const struct rule *r, const struct sample *a,
		  const struct sample *b, double noise, bool det,
		  struct outcome *o)
{
	bool hb = metrics[r->m].higher_better;
	double bad_lo, bad_hi, bad_pt;
	int sep;

	memset(o, 0, sizeof(*o));
	o->r = r;
	o->noise = noise;
	o->limit = fmax(r->thr, 2 * noise);
	o->p = 1;
	o->v.tier = metrics[r->m].tail ? "tail" : "statistical";
	if (!all_positive(a) || !all_positive(b)) {
		o->v.what = "inconclusive";
		snprintf(o->v.why, sizeof(o->v.why), "no events in %s on %s",
			 r->sel, all_positive(a) ? "the candidate" : "the baseline");
		return;
	}
	o->base = stats_median(a->v, a->n);
	o->cand = stats_median(b->v, b->n);
	o->change = o->cand / o->base - 1;
	if (!ratio_ci(a, b, &o->lo, &bad_pt, &o->hi))
		o->have_ci = true;
	o->p = stats_mann_whitney_p(a->v, a->n, b->v, b->n, NULL);
	/* "Bad" is up for latency, down for throughput: turn it up. */
	bad_pt = hb ? o->base / o->cand : o->cand / o->base;
	bad_lo = hb ? 1 / o->hi : o->lo;
	bad_hi = hb ? 1 / o->lo : o->hi;

	if (det && r->m == M_MEAN && bad_pt > 1 + GATE_DET_HARD) {
		o->v.tier = "hard";
		o->v.what = "regression";
		snprintf(o->v.why, sizeof(o->v.why),
			 "deterministic: instruction-time per op up %.2f%% > %.0f%%",
			 (bad_pt - 1) * 100, GATE_DET_HARD * 100);
		return;
	}
	if (a->n < GATE_MIN_RUNS || b->n < GATE_MIN_RUNS) {
		o->v.what = "inconclusive";
		snprintf(o->v.why, sizeof(o->v.why), "too few runs (%zu and %zu; %d a side needed)",
			 a->n, b->n, GATE_MIN_RUNS);
		return;
	}
	if (metrics[r->m].tail) {
		if (a->min_events < GATE_TAIL_EVENTS || b->min_events < GATE_TAIL_EVENTS) {
			o->v.what = "inconclusive";
			snprintf(o->v.why, sizeof(o->v.why),
				 "too few events for a tail (%llu in a run; %d needed)",
				 (unsigned long long)(a->min_events < b->min_events ?
				 a->min_events : b->min_events), GATE_TAIL_EVENTS);
			return;
		}
		sep = stats_lkp_separation(a->v, a->n, b->v, b->n);
		if (hb)
			sep = -sep;
		if (sep > 0 && bad_pt > 1 + o->limit) {
			o->v.what = "regression";
			snprintf(o->v.why, sizeof(o->v.why),
				 "LKP separated, median up %.1f%% > limit %.1f%%",
				 (bad_pt - 1) * 100, o->limit * 100);
		} else if (sep < 0 && 1 / bad_pt > 1 + o->limit) {
			o->v.what = "improved";
			snprintf(o->v.why, sizeof(o->v.why), "LKP separated, better");
		} else {
			o->v.what = "pass";
			snprintf(o->v.why, sizeof(o->v.why), "%s",
				 sep > 0 ? "LKP separated but within the limit" :
				 "not LKP separated");
		}
		return;
	}
	if (!o->have_ci) {
		o->v.what = "inconclusive";
		snprintf(o->v.why, sizeof(o->v.why), "no confidence interval");
		return;
	}
	if (bad_lo > 1 + o->limit && o->p < GATE_ALPHA) {
		o->v.what = "regression";
		snprintf(o->v.why, sizeof(o->v.why),
			 "CI wholly beyond the limit %.1f%%, p = %.3g",
			 o->limit * 100, o->p);
	} else if (bad_hi < 1 / (1 + o->limit) && o->p < GATE_ALPHA) {
		o->v.what = "improved";
		snprintf(o->v.why, sizeof(o->v.why), "CI wholly better than the limit, p = %.3g",
			 o->p);
	} else if (bad_hi <= 1 + o->limit) {
		o->v.what = "pass";
		snprintf(o->v.why, sizeof(o->v.why), "CI within the limit %.1f%%",
			 o->limit * 100);
	} else {
		o->v.what = "inconclusive";
		snprintf(o->v.why, sizeof(o->v.why),
			 "CI reaches past the limit %.1f%% but %s", o->limit * 100,
			 bad_lo > 1 + o->limit ? "p >= 0.05" : "not wholly (too noisy)");
	}
}

/* Failures and fallback routes: new in the candidate = regression. */
struct hard_count {
	char name[48];
	uint64_t base, cand;
};

static int count_key(struct hard_count *hc, int nr, const char *name)
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
		       struct hard_count *hc, int max)
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

				if (!name || nr == max)
					continue;
				k = count_key(hc, nr, name);
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
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
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

static const char *pct(double x, char *buf, size_t len)
{
	snprintf(buf, len, "%+.1f%%", x * 100);
	return buf;
}

/*
 * Judge @cand against @base (noise from @aa against @base when given, else
 * from the baseline's own runs); print; return the exit status.
 */
static int gate_eval(struct json_object *base, struct json_object *cand,
		     struct json_object *aa, const struct rule *rules, int nr,
		     const char *bname, const char *cname)
{
	struct outcome out[GATE_MAX_RULES];
	struct hard_count hc[16];
	struct sample *sa = calloc(4, sizeof(*sa));
	struct sample *sb = sa + 1, *s1 = sa + 2, *s2 = sa + 3;
	bool det = json_object_get_boolean(json_object_object_get(
			json_object_object_get(base, "meta"), "deterministic"));
	struct json_object *js = NULL, *arr = NULL, *o;
	int i, nhc, regress = 0, inconcl = 0, ret;
	char b1[24], b2[24], b3[24], b4[24];
	const char *unit;

	if (!sa)
		return GATE_INVALID;
	unit = jget_str(json_object_object_get(base, "meta"), "latency_unit");
	nhc = hard_counts(base, cand, hc, 16);
	for (i = 0; i < nr; i++) {
		side_values(base, &rules[i], sa);
		side_values(cand, &rules[i], sb);
		if (aa) {
			side_values(aa, &rules[i], s2);
			judge(&rules[i], sa, sb, noise_floor(sa, s2), det, &out[i]);
		} else {
			split_aa(sa, s1, s2);
			judge(&rules[i], sa, sb, noise_floor(s1, s2), det, &out[i]);
		}
		regress += !strcmp(out[i].v.what, "regression");
		inconcl += !strcmp(out[i].v.what, "inconclusive");
	}
	for (i = 0; i < nhc; i++)
		regress += !hc[i].base && hc[i].cand;
	ret = regress ? GATE_REGRESSION : inconcl ? GATE_INCONCLUSIVE : GATE_PASS;

	if (json_output) {
		js = json_object_new_object();
		json_object_object_add(js, "baseline", json_object_new_string(bname));
		json_object_object_add(js, "candidate", json_object_new_string(cname));
		json_object_object_add(js, "deterministic", json_object_new_boolean(det));
		json_object_object_add(js, "verdict", json_object_new_string(
			ret == GATE_REGRESSION ? "regression" : ret ==
			GATE_INCONCLUSIVE ? "inconclusive" : "pass"));
		json_object_object_add(js, "exit", json_object_new_int(ret));
		arr = json_object_new_array();
		json_object_object_add(js, "metrics", arr);
	} else {
		printf("gate: %s (baseline) vs %s (candidate)%s\n", bname, cname,
		       det ? ", deterministic (instruction-time)" : "");
		printf("%-22s %-22s %12s %12s %8s %19s %7s %7s  %s\n", "METRIC", "CASES",
		       "BASELINE", "CANDIDATE", "CHANGE", "95% CI", "NOISE", "LIMIT",
		       "VERDICT");
	}
	for (i = 0; i < nr; i++) {
		struct outcome *t = &out[i];
		char ci[64] = "-";

		if (t->have_ci)
			snprintf(ci, sizeof(ci), "[%s, %s]", pct(t->lo - 1, b1, sizeof(b1)),
				 pct(t->hi - 1, b2, sizeof(b2)));
		if (!json_output) {
			printf("%-22s %-22s %12.1f %12.1f %8s %19s %7s %7s  %s (%s: %s)\n",
			       metrics[t->r->m].name, t->r->sel, t->base, t->cand,
			       pct(t->change, b3, sizeof(b3)), ci,
			       pct(t->noise, b4, sizeof(b4)) + 1,
			       pct(t->limit, b1, sizeof(b1)) + 1, t->v.what, t->v.tier,
			       t->v.why);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "metric", json_object_new_string(metrics[t->r->m].name));
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
		json_object_object_add(o, "tier", json_object_new_string(t->v.tier));
		json_object_object_add(o, "verdict", json_object_new_string(t->v.what));
		json_object_object_add(o, "why", json_object_new_string(t->v.why));
		json_object_array_add(arr, o);
	}
	for (i = 0; i < nhc; i++) {
		bool bad = !hc[i].base && hc[i].cand;

		if (!json_output) {
			printf("%-22s %-22s %12llu %12llu %8s %19s %7s %7s  %s (hard: %s)\n",
			       hc[i].name, "all runs", (unsigned long long)hc[i].base,
			       (unsigned long long)hc[i].cand, "-", "-", "-", "-",
			       bad ? "regression" : "pass", bad ? "new in the candidate" :
			       hc[i].cand ? "the baseline had them too" : "none");
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "metric", json_object_new_string(hc[i].name));
		json_object_object_add(o, "cases", json_object_new_string("all runs"));
		json_object_object_add(o, "baseline", json_object_new_uint64(hc[i].base));
		json_object_object_add(o, "candidate", json_object_new_uint64(hc[i].cand));
		json_object_object_add(o, "tier", json_object_new_string("hard"));
		json_object_object_add(o, "verdict", json_object_new_string(
			bad ? "regression" : "pass"));
		json_object_array_add(arr, o);
	}
	if (json_output) {
		printf("%s\n", json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(js);
	} else {
		printf("gate: %s", ret == GATE_REGRESSION ? "REGRESSION in" :
		       ret == GATE_INCONCLUSIVE ? "INCONCLUSIVE:" : "PASS");
		for (i = 0; i < nr && ret; i++)
			if (!strcmp(out[i].v.what, ret == GATE_REGRESSION ?
				    "regression" : "inconclusive"))
				printf(" %s (%s)", metrics[out[i].r->m].name, out[i].r->sel);
		for (i = 0; i < nhc && ret == GATE_REGRESSION; i++)
			if (!hc[i].base && hc[i].cand)
				printf(" %s", hc[i].name);
		printf("\n");
	}
	free(sa);
	return ret;
}

/* --- --paired: A B A' rounds in one boot ---------------------------------- */

struct pair_opts {
	const char *spec[2];
	unsigned int rounds;
	const char *output;
	struct vm_opts vm;
	bool force_vm;
};

/* A spec into `run` arguments: pool keys become options. */
static int spec_args(const char *spec, const char *outdir, char **argv,
		     char *store, size_t len)
{
	char buf[DMAPOOL_MAX_SPEC_LEN], *tok, *save, *w = store;
	char workload[DMAPOOL_MAX_SPEC_LEN] = "";
	int n = 0;

#define PUT(...) do {							\
		argv[n++] = w;						\
		w += snprintf(w, store + len - w, __VA_ARGS__) + 1;	\
	} while (0)
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(tok, "coherent_pool=", 14)) {
			PUT("--coherent-pool");
			PUT("%s", tok + 14);
		} else if (!strcmp(tok, "remap=1")) {
			PUT("--remap");
		} else if (!strcmp(tok, "remap=0")) {
			continue;
		} else if (!strncmp(tok, "test_spin_ns=", 13)) {
			PUT("--test-spin-ns");
			PUT("%s", tok + 13);
		} else {
			snprintf(workload + strlen(workload), sizeof(workload) -
				 strlen(workload), "%s%s", *workload ? " " : "", tok);
		}
	}
	if (*workload) {
		PUT("--spec");
		PUT("%s", workload);
	}
	PUT("--fresh");
	PUT("-o");
	PUT("%s", outdir);
	argv[n] = NULL;
#undef PUT
	return n;
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
		       const struct rule *rules, int nr)
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
			spec_args(po->spec[k == 1], dir, argv, store, sizeof(store));
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
	ret = gate_eval(side[0], side[1], side[2], rules, nr, dir, log);
out:
	for (k = 0; k < 3; k++)
		json_object_put(side[k]);
	free(paths);
	return ret;
}

/* Check a --paired spec as `run` would, before any guest boots. */
static int check_spec(const char *spec)
{
	char store[4096], *argv[33];
	int n;

	argv[0] = "run";
	n = spec_args(spec, "/nonexistent", argv + 1, store, sizeof(store));
	return run_check_args(n + 1, argv);
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

int cmd_gate(int argc, char **argv)
{
	enum { O_RULES = 256, O_ALLOW, O_PAIRED, O_ROUNDS, O_DET, O_KERNEL, O_VMMEM, O_VM };
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, O_RULES },
		{ "allow-mismatch", no_argument, NULL, O_ALLOW },
		{ "paired", no_argument, NULL, O_PAIRED },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "output", required_argument, NULL, 'o' },
		{ "deterministic", no_argument, NULL, O_DET },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "vm-mem", required_argument, NULL, O_VMMEM },
		{ "vm", no_argument, NULL, O_VM },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct pair_opts po = { .rounds = 5, .output = "results/gate" };
	struct rule rules[GATE_MAX_RULES];
	struct json_object *a, *b;
	const char *rules_path = NULL;
	char outdir[PATH_MAX], *text, *end;
	bool allow = false, paired = false;
	int c, nr, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:jh", opts, NULL)) != -1) {
		switch (c) {
		case O_RULES:
			rules_path = optarg;
			break;
		case O_ALLOW:
			allow = true;
			break;
		case O_PAIRED:
			paired = true;
			break;
		case O_ROUNDS:
			errno = 0;
			po.rounds = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-' ||
			    po.rounds < GATE_MIN_RUNS || po.rounds > 100) {
				p_err("gate: invalid --rounds '%s' (%d..100)", optarg,
				      GATE_MIN_RUNS);
				return GATE_INVALID;
			}
			break;
		case 'o':
			po.output = optarg;
			break;
		case O_DET:
			po.vm.deterministic = true;
			po.force_vm = true;
			break;
		case O_KERNEL:
			po.vm.kernel = optarg;
			po.force_vm = true;
			break;
		case O_VMMEM:
			po.vm.mem = optarg;
			break;
		case O_VM:
			po.force_vm = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'h':
			fputs(gate_usage, stdout);
			return GATE_PASS;
		default:
			p_err("gate: unknown option or missing value: '%s' (see 'dmapool-bench gate --help')",
			      argv[optind - 1]);
			return GATE_INVALID;
		}
	}
	if (argc - optind != 2) {
		p_err("gate: %s (see 'dmapool-bench gate --help')", paired ?
		      "--paired takes two specs, A and B" :
		      "give a baseline and a candidate result file");
		return GATE_INVALID;
	}
	if (rules_path) {
		text = slurp(rules_path);
		if (!text) {
			p_err("gate: cannot read rules file '%s': %s", rules_path,
			      strerror(errno));
			return GATE_INVALID;
		}
		ret = parse_rules(text, rules_path, rules, &nr);
		free(text);
	} else {
		ret = parse_rules(default_rules, "default rules", rules, &nr);
	}
	if (ret)
		return GATE_INVALID;

	if (!paired) {
		a = result_read(argv[optind]);
		b = a ? result_read(argv[optind + 1]) : NULL;
		ret = !b ? GATE_INVALID :
		      check_match(a, b, argv[optind], argv[optind + 1], allow) ?
		      GATE_INVALID : gate_eval(a, b, NULL, rules, nr, argv[optind],
					       argv[optind + 1]);
		json_object_put(a);
		json_object_put(b);
		return ret;
	}
	po.spec[0] = argv[optind];
	po.spec[1] = argv[optind + 1];
	if (vm_check_opts("gate", &po.vm) || check_spec(po.spec[0]) ||
	    check_spec(po.spec[1]))
		return GATE_INVALID;
	if (run_prepare_outdir("gate", po.output, outdir))
		return GATE_INVALID;
	if (!vm_needed(po.force_vm))
		return paired_here(&po, outdir, rules, nr);
	po.vm.rwdir = outdir;
	po.vm.cpus = po.vm.deterministic ? 1 : 2;
	ret = vm_run(&po.vm, argc, argv);
	if (ret > GATE_INVALID) {
		p_err("gate: the guest failed (tools/dmapool-vm exit %d)", ret);
		ret = GATE_INVALID;
	}
	return ret;
}
