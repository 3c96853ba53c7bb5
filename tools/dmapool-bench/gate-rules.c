// SPDX-License-Identifier: GPL-2.0
/*
 * The gate's rules and their judgement (gate.h): parsing a rules file, the
 * noise floor, and the verdict of one rule from two sides' per-run values.
 * Pure: no result files, no output but p_err() for a bad rule.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "main.h"
#include "spec.h"
#include "stats.h"

const struct gate_metric_info gate_metrics[M_NR] = {
	[M_MEAN] = { "mean", 0, false, false },
	[M_P50] = { "p50", 0.5, false, false },
	[M_P90] = { "p90", 0.9, false, false },
	[M_P99] = { "p99", 0.99, true, false },
	[M_P999] = { "p999", 0.999, true, false },
	[M_OPS] = { "ops_per_sec", 0, false, true },
};

const char gate_default_rules[] =
	"mean op=alloc 2%\np50 op=alloc 5%\np90 op=alloc 5%\np99 op=alloc 10%\n"
	"p999 op=alloc 20%\nops_per_sec op=alloc 5%\nmean op=free 5%\n";

const char *gate_tier_name(enum gate_tier t)
{
	static const char * const names[] = {
		[GATE_TIER_HARD] = "hard",
		[GATE_TIER_STATISTICAL] = "statistical",
		[GATE_TIER_TAIL] = "tail",
	};

	return names[t];
}

const char *gate_verdict_name(enum gate_verdict v)
{
	static const char * const names[] = {
		[GATE_V_PASS] = "pass",
		[GATE_V_IMPROVED] = "improved",
		[GATE_V_REGRESSION] = "regression",
		[GATE_V_INCONCLUSIVE] = "inconclusive",
	};

	return names[v];
}

/* One KEY=VALUE selector of a rule; 0 or -EINVAL. */
static int parse_selector(const char *key, const char *val, struct gate_rule *r)
{
	if (!strcmp(key, "op") &&
	    dmapool_name_index(DMAPOOL_NAMES_OP, val, strlen(val)) >= 0) {
		snprintf(r->op, sizeof(r->op), "%s", val);
	} else if (!strcmp(key, "pool") &&
		   dmapool_name_index(DMAPOOL_NAMES_POOL, val, strlen(val)) >= 0) {
		snprintf(r->pool, sizeof(r->pool), "%s", val);
	} else if (!strcmp(key, "ctx") &&
		   dmapool_name_index(DMAPOOL_NAMES_CTX, val, strlen(val)) >= 0) {
		snprintf(r->ctx, sizeof(r->ctx), "%s", val);
	} else if (!strcmp(key, "size_order") && *val &&
		   strspn(val, "0123456789") == strlen(val) && atoi(val) <= 10) {
		r->order = atoi(val);
	} else if (!strcmp(key, "stream") && *val && strlen(val) < sizeof(r->stream) &&
		   strspn(val, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(val)) {
		snprintf(r->stream, sizeof(r->stream), "%s", val);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* "5%" into a fraction; 0 or -EINVAL. */
static int parse_threshold(const char *tok, double *thr)
{
	char *end;

	errno = 0;
	*thr = strtod(tok, &end) / 100;
	if (errno || end == tok || strcmp(end, "%") || *thr < 0 || *thr > 10)
		return -EINVAL;
	return 0;
}

/* The selector as written back in the output: "op=alloc pool=dma ...". */
static void rule_selector(struct gate_rule *r)
{
	snprintf(r->sel, sizeof(r->sel), "op=%s%s%s%s%s", r->op,
		 *r->pool ? " pool=" : "", r->pool, *r->ctx ? " ctx=" : "", r->ctx);
	if (r->order >= 0)
		snprintf(r->sel + strlen(r->sel), sizeof(r->sel) - strlen(r->sel),
			 " size_order=%d", r->order);
	if (*r->stream)
		snprintf(r->sel + strlen(r->sel), sizeof(r->sel) - strlen(r->sel),
			 " stream=%s", r->stream);
}

int gate_rules_per_stream(const struct gate_rule *rules, int nr,
			  const char *const *names, int nnames,
			  struct gate_rule *out, int max)
{
	int i, s, n = 0;

	for (i = 0; i < nr; i++) {
		for (s = 0; s < (*rules[i].stream || nnames < 2 ? 1 : nnames); s++) {
			if (n == max)
				return -E2BIG;
			out[n] = rules[i];
			if (!*rules[i].stream && nnames >= 2) {
				snprintf(out[n].stream, sizeof(out[n].stream), "%s",
					 names[s]);
				rule_selector(&out[n]);
			}
			n++;
		}
	}
	return n;
}

int gate_parse_rule(const char *line, const char *where, struct gate_rule *r)
{
	char buf[256], *tok, *save;
	int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->op, sizeof(r->op), "alloc");
	r->order = -1;
	r->thr = -1;
	snprintf(buf, sizeof(buf), "%s", line);
	tok = strtok_r(buf, " \t", &save);
	for (i = 0; tok && i < M_NR; i++)
		if (!strcmp(tok, gate_metrics[i].name))
			break;
	if (!tok || i == M_NR) {
		p_err("gate: %s: unknown metric '%s' (mean, p50, p90, p99, p999, ops_per_sec)",
		      where, tok ? tok : "");
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
			if (parse_threshold(tok, &r->thr)) {
				p_err("gate: %s: invalid threshold '%s' (a percentage such as 5%%)",
				      where, tok);
				return -EINVAL;
			}
			continue;
		}
		*eq++ = '\0';
		if (parse_selector(tok, eq, r)) {
			p_err("gate: %s: invalid selector '%s=%s' (op=alloc|free, pool=dma|dma32|kernel, ctx=..., size_order=0..10, stream=NAME)",
			      where, tok, eq);
			return -EINVAL;
		}
	}
	if (r->thr < 0) {
		p_err("gate: %s: no threshold (e.g. '%s op=alloc 5%%')", where,
		      gate_metrics[r->m].name);
		return -EINVAL;
	}
	rule_selector(r);
	return 0;
}

int gate_parse_rules(const char *text, const char *name,
		     struct gate_rule *rules, int *nr)
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
		if (gate_parse_rule(s, where, &rules[(*nr)++]))
			return -EINVAL;
	}
	if (!*nr) {
		p_err("gate: %s: no rules", name);
		return -EINVAL;
	}
	return 0;
}

/* The bootstrap ratio CI of @b over @a; paired when the counts match. */
static int ratio_ci(const struct gate_sample *a, const struct gate_sample *b,
		    double *lo, double *pt, double *hi)
{
	return stats_bootstrap_ratio(a->v, a->n, b->v, b->n, a->n == b->n, 0.95,
				     GATE_BOOT_ITERS, 1, lo, pt, hi);
}

double gate_noise_floor(const struct gate_sample *a, const struct gate_sample *aa)
{
	double lo, pt, hi;

	if (a->n < 2 || aa->n < 2 || ratio_ci(a, aa, &lo, &pt, &hi))
		return 0;
	return fmax(fabs(lo - 1), fabs(hi - 1));
}

void gate_split_aa(const struct gate_sample *base, struct gate_sample *a,
		   struct gate_sample *aa)
{
	size_t i;

	a->n = aa->n = 0;
	for (i = 0; i + 1 < base->n; i += 2) {
		a->v[a->n++] = base->v[i];
		aa->v[aa->n++] = base->v[i + 1];
	}
}

static bool all_positive(const struct gate_sample *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] <= 0)
			return false;
	return s->n > 0;
}

static __printf(3, 4)
void decide(struct outcome *o, enum gate_verdict v, const char *fmt, ...)
{
	va_list ap;

	o->verdict = v;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
}

/* "Bad" ratios: up for latency, down for throughput, turned up. */
struct bad_ratio {
	double pt, lo, hi;
};

/* Tail tier: LKP separation and a median ratio beyond the limit. */
static void judge_tail(const struct gate_sample *a, const struct gate_sample *b,
		       bool hb, const struct bad_ratio *bad, struct outcome *o)
{
	int sep;

	if (a->min_events < GATE_TAIL_EVENTS || b->min_events < GATE_TAIL_EVENTS) {
		decide(o, GATE_V_INCONCLUSIVE,
		       "too few events for a tail (%llu in a run; %d needed)",
		       (unsigned long long)(a->min_events < b->min_events ?
		       a->min_events : b->min_events), GATE_TAIL_EVENTS);
		return;
	}
	sep = stats_lkp_separation(a->v, a->n, b->v, b->n);
	if (hb)
		sep = -sep;
	if (sep > 0 && bad->pt > 1 + o->limit)
		decide(o, GATE_V_REGRESSION,
		       "LKP separated, median up %.1f%% > limit %.1f%%",
		       (bad->pt - 1) * 100, o->limit * 100);
	else if (sep < 0 && 1 / bad->pt > 1 + o->limit)
		decide(o, GATE_V_IMPROVED, "LKP separated, better");
	else
		decide(o, GATE_V_PASS, "%s", sep > 0 ?
		       "LKP separated but within the limit" : "not LKP separated");
}

/* Statistical tier: the CI against the limit, and Mann-Whitney's p. */
static void judge_ci(const struct bad_ratio *bad, struct outcome *o)
{
	if (!o->have_ci)
		decide(o, GATE_V_INCONCLUSIVE, "no confidence interval");
	else if (bad->lo > 1 + o->limit && o->p < GATE_ALPHA)
		decide(o, GATE_V_REGRESSION,
		       "CI wholly beyond the limit %.1f%%, p = %.3g",
		       o->limit * 100, o->p);
	else if (bad->hi < 1 / (1 + o->limit) && o->p < GATE_ALPHA)
		decide(o, GATE_V_IMPROVED,
		       "CI wholly better than the limit, p = %.3g", o->p);
	else if (bad->hi <= 1 + o->limit)
		decide(o, GATE_V_PASS, "CI within the limit %.1f%%", o->limit * 100);
	else
		decide(o, GATE_V_INCONCLUSIVE, "CI reaches past the limit %.1f%% but %s",
		       o->limit * 100, bad->lo > 1 + o->limit ? "p >= 0.05" :
		       "not wholly (too noisy)");
}

void gate_judge(const struct gate_rule *r, const struct gate_sample *a,
		const struct gate_sample *b, double noise, bool det,
		struct outcome *o)
{
	bool hb = gate_metrics[r->m].higher_better;
	struct bad_ratio bad;
	double pt;

	memset(o, 0, sizeof(*o));
	o->r = r;
	o->noise = noise;
	o->limit = fmax(r->thr, 2 * noise);
	o->p = 1;
	o->tier = gate_metrics[r->m].tail ? GATE_TIER_TAIL : GATE_TIER_STATISTICAL;
	if (!all_positive(a) || !all_positive(b)) {
		decide(o, GATE_V_INCONCLUSIVE, "no events in %s on %s", r->sel,
		       all_positive(a) ? "the candidate" : "the baseline");
		return;
	}
	o->base = stats_median(a->v, a->n);
	o->cand = stats_median(b->v, b->n);
	o->change = o->cand / o->base - 1;
	if (!ratio_ci(a, b, &o->lo, &pt, &o->hi))
		o->have_ci = true;
	o->p = stats_mann_whitney_p(a->v, a->n, b->v, b->n, NULL);
	bad.pt = hb ? o->base / o->cand : o->cand / o->base;
	bad.lo = hb ? 1 / o->hi : o->lo;
	bad.hi = hb ? 1 / o->lo : o->hi;

	if (det && r->m == M_MEAN && bad.pt > 1 + GATE_DET_HARD) {
		o->tier = GATE_TIER_HARD;
		decide(o, GATE_V_REGRESSION,
		       "deterministic: instruction-time per op up %.2f%% > %.0f%%",
		       (bad.pt - 1) * 100, GATE_DET_HARD * 100);
	} else if (a->n < GATE_MIN_RUNS || b->n < GATE_MIN_RUNS) {
		decide(o, GATE_V_INCONCLUSIVE,
		       "too few runs (%zu and %zu; %d a side needed)", a->n, b->n,
		       GATE_MIN_RUNS);
	} else if (gate_metrics[r->m].tail) {
		judge_tail(a, b, hb, &bad, o);
	} else {
		judge_ci(&bad, o);
	}
}

int gate_status(const struct outcome *out, int nr, const struct gate_hard *hc,
		int nhc)
{
	int i, regress = 0, inconcl = 0;

	for (i = 0; i < nr; i++) {
		regress += out[i].verdict == GATE_V_REGRESSION;
		inconcl += out[i].verdict == GATE_V_INCONCLUSIVE;
	}
	for (i = 0; i < nhc; i++)
		regress += gate_hard_new(&hc[i]);
	return regress ? GATE_REGRESSION : inconcl ? GATE_INCONCLUSIVE : GATE_PASS;
}
