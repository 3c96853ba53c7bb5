// SPDX-License-Identifier: GPL-2.0
/*
 * The gate's rules and verdicts (tools/dmapool-bench/gate-rules.c): rules
 * files parsed or refused with the right message, and the verdict of each
 * tier on per-run values whose answer is known.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "tap.h"
#include "gate.h"
#include "main.h"
#include "cli_msgs.h"

static struct gate_rule rules[GATE_MAX_RULES];

static void test_default_rules(void)
{
	int nr = -1;

	TAP_IS(gate_parse_rules(gate_default_rules, "default", rules, &nr), 0,
	       "the default rules parse");
	TAP_IS(nr, 7, "seven default rules");
	TAP_OK(rules[0].m == M_MEAN && rules[0].thr == 0.02 &&
	       !strcmp(rules[0].sel, "op=alloc") && rules[0].order == -1,
	       "rule 1: mean op=alloc 2%%");
	TAP_OK(rules[4].m == M_P999 && rules[4].thr == 0.2, "rule 5: p999 20%%");
	TAP_OK(rules[6].m == M_MEAN && !strcmp(rules[6].op, "free") &&
	       rules[6].thr == 0.05 && !strcmp(rules[6].sel, "op=free"),
	       "rule 7: mean op=free 5%%");
}

static void test_rule_syntax(void)
{
	const char *text = "# a comment line\n\n  p99 pool=kernel ctx=hardirq size_order=2 10% # why\n"
			   "\tops_per_sec op=free 0.5%\n";
	char many[40 * 16] = "";
	int nr = -1, i;

	TAP_IS(gate_parse_rules(text, "r", rules, &nr), 0, "comments and blank lines");
	TAP_IS(nr, 2, "two rules among comments and blank lines");
	TAP_OK(rules[0].m == M_P99 && !strcmp(rules[0].pool, "kernel") &&
	       !strcmp(rules[0].ctx, "hardirq") && rules[0].order == 2 &&
	       fabs(rules[0].thr - 0.1) < 1e-12,
	       "p99 with pool, ctx and size_order selectors, 10%%");
	TAP_OK(!strcmp(rules[0].sel, "op=alloc pool=kernel ctx=hardirq size_order=2"),
	       "the selector written back: '%s'", rules[0].sel);
	TAP_OK(rules[1].m == M_OPS && !strcmp(rules[1].sel, "op=free") &&
	       fabs(rules[1].thr - 0.005) < 1e-12, "ops_per_sec op=free 0.5%%");

	for (i = 0; i < GATE_MAX_RULES + 1; i++)
		strcat(many, "p50 5%\n");
	TAP_IS(gate_parse_rules(many, "many", rules, &nr), (uint64_t)-EINVAL,
	       "33 rules refused");
	TAP_OK(!strcmp(last_err, "gate: many: more than 32 rules"), "message: %s", last_err);
	TAP_IS(gate_parse_rules("# only\n\n", "empty", rules, &nr), (uint64_t)-EINVAL,
	       "no rules refused");
	TAP_OK(!strcmp(last_err, "gate: empty: no rules"), "message: %s", last_err);
}

static void test_bad_rules(void)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "foo 5%", "gate: f:1: unknown metric 'foo' (mean, p50, p90, p99, p999, ops_per_sec)" },
		{ "p50 5", "gate: f:1: invalid threshold '5' (a percentage such as 5%)" },
		{ "p50 -1%", "gate: f:1: invalid threshold '-1%' (a percentage such as 5%)" },
		{ "p50 1001%", "gate: f:1: invalid threshold '1001%' (a percentage such as 5%)" },
		{ "p50 op=x 5%", "gate: f:1: invalid selector 'op=x' (op=alloc|free, pool=dma|dma32|kernel, ctx=..., size_order=0..10, stream=NAME)" },
		{ "p50 size_order=11 5%", "gate: f:1: invalid selector 'size_order=11' (op=alloc|free, pool=dma|dma32|kernel, ctx=..., size_order=0..10, stream=NAME)" },
		{ "p50 5% op=alloc", "gate: f:1: 'op=alloc' after the threshold" },
		{ "p90 op=alloc", "gate: f:1: no threshold (e.g. 'p90 op=alloc 5%')" },
	};
	struct gate_rule r;
	size_t i;
	int nr;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		last_err[0] = '\0';
		TAP_OK(gate_parse_rule(bad[i].line, "f:1", &r) == -EINVAL &&
		       !strcmp(last_err, bad[i].msg), "'%s' refused: %s", bad[i].line,
		       last_err);
	}
	last_err[0] = '\0';
	TAP_OK(gate_parse_rules("mean 2%\nfoo 1%\n", "file", rules, &nr) == -EINVAL &&
	       !strcmp(last_err, "gate: file:2: unknown metric 'foo' (mean, p50, p90, p99, p999, ops_per_sec)"),
	       "the message names the file and line: %s", last_err);
}

static struct gate_sample sa, sb;

/* Five runs a side: @a's values, and @b's as @a's times @f. */
static void fill(const double *a, size_t n, double f, uint64_t events)
{
	size_t i;

	sa.n = sb.n = n;
	sa.min_events = sb.min_events = events;
	for (i = 0; i < n; i++) {
		sa.v[i] = a[i];
		sb.v[i] = a[i] * f;
	}
}

static const double runs5[] = { 100, 101, 99, 100.5, 99.5 };

static void test_statistical(void)
{
	struct gate_rule r;
	struct outcome o;

	gate_parse_rule("p50 op=alloc 5%", "t", &r);
	fill(runs5, 5, 1.0, 1000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_PASS && o.tier == GATE_TIER_STATISTICAL &&
	       !strcmp(o.why, "CI within the limit 5.0%"), "equal sides: pass (%s)", o.why);
	TAP_OK(o.base == 100 && o.cand == 100 && o.change == 0 && o.have_ci,
	       "equal sides: medians 100, change 0, a CI");

	fill(runs5, 5, 1.2, 1000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_REGRESSION && fabs(o.change - 0.2) < 1e-9,
	       "20%% slower, separated: regression (%s)", o.why);
	TAP_OK(fabs(o.p - 2.0 / 252) < 1e-9, "exact Mann-Whitney p of 5 vs 5 separated: 2/252");
	TAP_OK(!strcmp(o.why, "CI wholly beyond the limit 5.0%, p = 0.00794"), "why: %s", o.why);

	fill(runs5, 5, 0.8, 1000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_IMPROVED, "20%% faster: improved (%s)", o.why);

	fill(runs5, 5, 1.2, 1000);
	gate_judge(&r, &sa, &sb, 0.15, false, &o);
	TAP_OK(fabs(o.limit - 0.3) < 1e-12 && o.verdict != GATE_V_REGRESSION,
	       "noise 15%%: limit 2 x noise = 30%%, 20%% slower is no regression");

	fill(runs5, 3, 1.2, 1000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_INCONCLUSIVE &&
	       !strcmp(o.why, "too few runs (3 and 3; 5 a side needed)"),
	       "3 runs a side: inconclusive (%s)", o.why);

	fill(runs5, 5, 1.0, 1000);
	sb.v[2] = 0;
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_INCONCLUSIVE &&
	       !strcmp(o.why, "no events in op=alloc on the candidate"),
	       "a run without events: inconclusive (%s)", o.why);
}

static void test_hard_and_tail(void)
{
	struct gate_rule r;
	struct outcome o;

	gate_parse_rule("mean 2%", "t", &r);
	fill(runs5, 2, 1.03, 1000);
	gate_judge(&r, &sa, &sb, 0, true, &o);
	TAP_OK(o.verdict == GATE_V_REGRESSION && o.tier == GATE_TIER_HARD &&
	       !strcmp(o.why, "deterministic: instruction-time per op up 3.00% > 2%"),
	       "deterministic mean +3%%: hard regression even with 2 runs (%s)", o.why);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_INCONCLUSIVE && o.tier == GATE_TIER_STATISTICAL,
	       "the same, not deterministic: inconclusive (too few runs)");

	gate_parse_rule("ops_per_sec 5%", "t", &r);
	fill(runs5, 5, 0.8, 1000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_REGRESSION, "ops_per_sec 20%% down: regression");
	fill(runs5, 5, 1.2, 1000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_IMPROVED, "ops_per_sec 20%% up: improved");

	gate_parse_rule("p99 10%", "t", &r);
	fill(runs5, 5, 1.5, 100);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_INCONCLUSIVE && o.tier == GATE_TIER_TAIL &&
	       !strcmp(o.why, "too few events for a tail (100 in a run; 10000 needed)"),
	       "tail with 100 events a run: inconclusive (%s)", o.why);
	fill(runs5, 5, 1.5, 20000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_REGRESSION &&
	       !strcmp(o.why, "LKP separated, median up 50.0% > limit 10.0%"),
	       "tail 50%% up, separated: regression (%s)", o.why);
	fill(runs5, 5, 1.05, 20000);
	gate_judge(&r, &sa, &sb, 0, false, &o);
	TAP_OK(o.verdict == GATE_V_PASS &&
	       !strcmp(o.why, "LKP separated but within the limit"),
	       "tail 5%% up, separated: pass (%s)", o.why);
}

static void test_noise_and_status(void)
{
	static const double six[] = { 1, 2, 3, 4, 5, 6 };
	struct gate_sample a, aa;
	struct outcome out[2] = {};
	struct gate_hard hc[2] = { { "fail exhausted", 0, 0 }, { "fallback x", 3, 5 } };

	fill(six, 6, 1, 0);
	gate_split_aa(&sa, &a, &aa);
	TAP_OK(a.n == 3 && aa.n == 3 && a.v[0] == 1 && a.v[2] == 5 &&
	       aa.v[0] == 2 && aa.v[2] == 6, "split_aa: runs 1 3 5 against 2 4 6");
	fill(runs5, 5, 1.0, 0);
	TAP_OK(gate_noise_floor(&sa, &sb) == 0, "A/A of equal runs: noise 0");
	fill(runs5, 1, 1.0, 0);
	TAP_OK(gate_noise_floor(&sa, &sb) == 0, "one run a side: noise unknown, 0");

	TAP_IS(gate_status(out, 2, hc, 2), GATE_PASS, "all pass, old fallbacks: exit 0");
	out[1].verdict = GATE_V_INCONCLUSIVE;
	TAP_IS(gate_status(out, 2, hc, 2), GATE_INCONCLUSIVE, "one inconclusive: exit 2");
	hc[0].cand = 1;
	TAP_IS(gate_status(out, 2, hc, 2), GATE_REGRESSION,
	       "a failure new in the candidate: exit 1 over inconclusive");
	hc[0].cand = 0;
	out[0].verdict = GATE_V_REGRESSION;
	TAP_IS(gate_status(out, 2, hc, 2), GATE_REGRESSION, "a regressed metric: exit 1");
	out[0].verdict = GATE_V_IMPROVED;
	out[1].verdict = GATE_V_PASS;
	TAP_IS(gate_status(out, 2, hc, 2), GATE_PASS, "improved counts as a pass");
	TAP_OK(!strcmp(gate_verdict_name(GATE_V_INCONCLUSIVE), "inconclusive") &&
	       !strcmp(gate_tier_name(GATE_TIER_STATISTICAL), "statistical"),
	       "verdict and tier names");
}

/* Several streams: a rule without stream= once per stream, never across. */
static void test_streams(void)
{
	static const char *const names[] = { "usb", "mbox" };
	struct gate_rule rules[3], out[8];
	int nr = 0, n;

	TAP_IS(gate_parse_rules("mean op=alloc 2%\np99 op=free stream=usb 10%\n"
				"p50 ctx=atomic 5%\n", "t", rules, &nr), 0,
	       "rules with and without stream= parse");
	TAP_IS(nr, 3, "three rules");
	TAP_OK(!strcmp(rules[1].stream, "usb") && !strcmp(rules[1].sel, "op=free stream=usb"),
	       "stream=usb kept and shown: %s", rules[1].sel);
	n = gate_rules_per_stream(rules, nr, names, 2, out, 8);
	TAP_IS(n, 5, "two streams: 2 + 1 + 2 rules");
	TAP_OK(n == 5 && !strcmp(out[0].stream, "usb") && !strcmp(out[1].stream, "mbox") &&
	       !strcmp(out[2].stream, "usb") && !strcmp(out[3].stream, "usb") &&
	       !strcmp(out[4].stream, "mbox") && out[0].m == rules[0].m &&
	       !strcmp(out[4].ctx, "atomic"), "each rule per stream, in order");
	TAP_OK(n == 5 && !strcmp(out[1].sel, "op=alloc stream=mbox") &&
	       !strcmp(out[4].sel, "op=alloc ctx=atomic stream=mbox"),
	       "selectors name the stream: %s", n == 5 ? out[4].sel : "");
	TAP_IS(gate_rules_per_stream(rules, nr, names, 1, out, 8), 3,
	       "one stream: the rules as they are");
	TAP_IS(gate_rules_per_stream(rules, nr, names, 2, out, 4), -E2BIG,
	       "more comparisons than slots: refused");
	TAP_IS(gate_parse_rules("mean stream=USB 2%\n", "t", rules, &nr), -EINVAL,
	       "a bad stream name is refused");
}

int main(void)
{
	test_default_rules();
	test_rule_syntax();
	test_bad_rules();
	test_statistical();
	test_hard_and_tail();
	test_noise_and_status();
	test_streams();
	return tap_done();
}
