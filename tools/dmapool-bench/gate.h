/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate's model, apart from result files and printing: rules (metric,
 * case selector, threshold) parsed from text, per-run samples of a metric,
 * and one judged outcome per rule with an enum verdict (DESIGN.md section
 * 9). gate-rules.c is pure: no JSON, no files; the unit tests drive it.
 * builtin-gate.c reads the result files into samples and prints outcomes.
 */
#ifndef DMAPOOL_BENCH_GATE_H
#define DMAPOOL_BENCH_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define GATE_MAX_STREAMS	8	/* DMAPOOL_MAX_STREAMS */
/* Rules once per stream of a multi-stream result. */
#define GATE_MAX_OUTCOMES	(GATE_MAX_RULES * GATE_MAX_STREAMS)
#define GATE_MAX_SAMPLES	1000	/* runs a side */

enum gate_metric { M_MEAN, M_P50, M_P90, M_P99, M_P999, M_OPS, M_NR };

struct gate_metric_info {
	const char *name;
	double q;		/* quantile, or 0 */
	bool tail;
	bool higher_better;
};

extern const struct gate_metric_info gate_metrics[M_NR];

struct gate_rule {
	enum gate_metric m;
	char op[8], pool[8], ctx[12];
	int order;		/* size_order, -1: any */
	char stream[16];	/* a stream's cases only; "": any */
	double thr;		/* fraction */
	char sel[80];		/* the selector as written, for output */
};

/* The rules used without --rules, as a rules file's text. */
extern const char gate_default_rules[];

/*
 * One rule from @line ("METRIC [KEY=VALUE...] THRESHOLD%"); @where names
 * it in messages (p_err). 0 or -EINVAL.
 */
int gate_parse_rule(const char *line, const char *where, struct gate_rule *r);

/*
 * The rules of @text (a file's contents: one a line, '#' comments, blank
 * lines) into @rules (GATE_MAX_RULES); @name for messages. 0 or -EINVAL.
 */
int gate_parse_rules(const char *text, const char *name,
		     struct gate_rule *rules, int *nr);

/*
 * The rules for results of several streams (@names, @nnames of them): a
 * rule without stream= becomes one rule per stream, so that no metric
 * merges the cases of different streams. Into @out (@max slots); the count,
 * or -E2BIG.
 */
int gate_rules_per_stream(const struct gate_rule *rules, int nr,
			  const char *const *names, int nnames,
			  struct gate_rule *out, int max);

/* One side's per-run values of a rule's metric. */
struct gate_sample {
	double v[GATE_MAX_SAMPLES];
	size_t n;
	uint64_t min_events;	/* the fewest selected events in a run */
};

enum gate_tier { GATE_TIER_HARD, GATE_TIER_STATISTICAL, GATE_TIER_TAIL };

enum gate_verdict {
	GATE_V_PASS,
	GATE_V_IMPROVED,
	GATE_V_REGRESSION,
	GATE_V_INCONCLUSIVE,
};

const char *gate_tier_name(enum gate_tier t);
const char *gate_verdict_name(enum gate_verdict v);

/* A rule judged: medians, change, CI of the ratio, limits, verdict. */
struct outcome {
	const struct gate_rule *r;
	double base, cand, change, lo, hi, noise, limit, p;
	bool have_ci;
	enum gate_tier tier;
	enum gate_verdict verdict;
	char why[160];
};

/* The A/A noise floor: the CI half-width of @aa over @a, 0 when unknown. */
double gate_noise_floor(const struct gate_sample *a, const struct gate_sample *aa);

/* From the baseline alone: runs 0, 2, 4... into @a, 1, 3, 5... into @aa. */
void gate_split_aa(const struct gate_sample *base, struct gate_sample *a,
		   struct gate_sample *aa);

/* Judge @b (candidate) against @a (baseline) by rule @r. */
void gate_judge(const struct gate_rule *r, const struct gate_sample *a,
		const struct gate_sample *b, double noise, bool det,
		struct outcome *o);

/* A hard-tier count (failures of a kind, a fallback route), both sides. */
struct gate_hard {
	char name[48];
	uint64_t base, cand;
};

/* New in the candidate: a regression. */
static inline bool gate_hard_new(const struct gate_hard *h)
{
	return !h->base && h->cand;
}

/* The exit status of judged outcomes and hard counts. */
int gate_status(const struct outcome *out, int nr, const struct gate_hard *hc,
		int nhc);

#endif
