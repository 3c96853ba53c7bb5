/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The context (enum dmapool_ctx) of the code a probe interrupted, read from
 * the kernel's preemption counter. No IRQ flags: with IRQs off but
 * preemption on, a call counts as process context.
 */
#ifndef __DMAPOOL_CTX_BPF_H
#define __DMAPOOL_CTX_BPF_H

/* preempt_count: per-CPU __preempt_count up to 6.1, pcpu_hot from 6.2. */
struct pcpu_hot___kpool {
	int preempt_count;
} __attribute__((preserve_access_index));
extern const struct pcpu_hot___kpool pcpu_hot __ksym __weak;
extern const int __preempt_count __ksym __weak;

/* The context of the current call, from the preemption counter. */
static __always_inline int read_ctx(void)
{
	__u32 pc;

	if (bpf_core_type_exists(struct pcpu_hot___kpool) && &pcpu_hot) {
		const struct pcpu_hot___kpool *h = bpf_this_cpu_ptr(&pcpu_hot);

		pc = BPF_CORE_READ(h, preempt_count);
	} else if (&__preempt_count) {
		pc = *(const int *)bpf_this_cpu_ptr(&__preempt_count);
	} else {
		return DMAPOOL_CTX_PROCESS;	/* cannot tell */
	}
	if (pc & 0x00ff0000)		/* NMI_MASK | HARDIRQ_MASK */
		return DMAPOOL_CTX_HARDIRQ;
	if (pc & 0x00000100)		/* SOFTIRQ_OFFSET: serving softirqs */
		return DMAPOOL_CTX_SOFTIRQ;
	if (pc & 0x0000ffff)		/* preemption or BHs disabled */
		return DMAPOOL_CTX_ATOMIC;
	return DMAPOOL_CTX_PROCESS;
}

#endif /* __DMAPOOL_CTX_BPF_H */
