// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: the BPF programs pass the verifier of the running kernel. Loads
 * without attaching; only the classic tracepoint programs, since tp_btf ones
 * need the module's BTF at load time (the guest suites load and attach them).
 */
#include <string.h>
#include <bpf/libbpf.h>

#include "dmapool.h"
#include "dmapool.skel.h"
#include "../unit/tap.h"

int main(void)
{
	struct dmapool_bpf *skel = dmapool_bpf__open();
	struct bpf_program *prog;
	int classic = 0, btf = 0, err;

	TAP_OK(skel != NULL, "skeleton opens");
	if (!skel)
		return tap_done();
	bpf_object__for_each_program(prog, skel->obj) {
		bool is_btf = !strncmp(bpf_program__name(prog), "btf_", 4);

		bpf_program__set_autoload(prog, !is_btf);
		if (is_btf)
			btf++;
		else
			classic++;
	}
	TAP_IS(classic, 6, "six classic tracepoint programs");
	TAP_IS(btf, 6, "six tp_btf programs");
	err = dmapool_bpf__load(skel);
	TAP_IS(err, 0, "the verifier accepts every classic program (load without attach)");
	bpf_object__for_each_program(prog, skel->obj)
		if (strncmp(bpf_program__name(prog), "btf_", 4))
			TAP_OK(bpf_program__fd(prog) >= 0, "%s loaded",
			       bpf_program__name(prog));
	TAP_OK(bpf_map__fd(skel->maps.hists) >= 0, "per-CPU histogram map created");
	TAP_OK(bpf_map__type(skel->maps.hists) == BPF_MAP_TYPE_PERCPU_ARRAY &&
	       bpf_map__type(skel->maps.counters) == BPF_MAP_TYPE_PERCPU_ARRAY,
	       "hot-path maps are per-CPU arrays");
	dmapool_bpf__destroy(skel);

	/* Again with holder attribution on (monitor --by cpu): its hash maps. */
	skel = dmapool_bpf__open();
	TAP_OK(skel != NULL, "skeleton opens again");
	if (!skel)
		return tap_done();
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, strncmp(bpf_program__name(prog), "btf_", 4));
	skel->rodata->track_blocks = true;
	err = dmapool_bpf__load(skel);
	TAP_IS(err, 0, "the verifier accepts them with track_blocks (monitor --by cpu)");
	TAP_OK(bpf_map__type(skel->maps.blocks) == BPF_MAP_TYPE_HASH &&
	       bpf_map__max_entries(skel->maps.blocks) == 65536,
	       "blocks: a hash map of 65536 outstanding blocks");
	dmapool_bpf__destroy(skel);

	/* Again with per-stream maps, as `run` loads them for two streams. */
	skel = dmapool_bpf__open();
	TAP_OK(skel != NULL, "skeleton opens a third time");
	if (!skel)
		return tap_done();
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, strncmp(bpf_program__name(prog), "btf_", 4));
	skel->rodata->nr_streams = 2;
	bpf_map__set_max_entries(skel->maps.stream_hists, 2 * DMAPOOL_HIST_KEYS);
	err = dmapool_bpf__load(skel);
	TAP_IS(err, 0, "the verifier accepts them with per-stream counters and histograms");
	TAP_OK(bpf_map__type(skel->maps.stream_counters) == BPF_MAP_TYPE_PERCPU_ARRAY &&
	       bpf_map__type(skel->maps.stream_hists) == BPF_MAP_TYPE_PERCPU_ARRAY &&
	       bpf_map__max_entries(skel->maps.stream_counters) == DMAPOOL_MAX_STREAMS,
	       "per-stream maps are bounded per-CPU arrays");
	dmapool_bpf__destroy(skel);
	return tap_done();
}
