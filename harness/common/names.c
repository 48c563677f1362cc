// SPDX-License-Identifier: GPL-2.0
#include "names.h"

#include <stdio.h>
#include <string.h>

const char *const bhb_mech_names[BHB_NR_MECHS] = {
	[BHB_MECH_DIRECT] = "direct",
	[BHB_MECH_TASKLET] = "tasklet",
	[BHB_MECH_TASKLET_HI] = "tasklet_hi",
	[BHB_MECH_BH] = "bh",
	[BHB_MECH_BH_HIGHPRI] = "bh_highpri",
	[BHB_MECH_BH_CUSTOM] = "bh_custom",
	[BHB_MECH_WQ_PERCPU] = "wq_percpu",
	[BHB_MECH_WQ_HIGHPRI] = "wq_highpri",
	[BHB_MECH_WQ_UNBOUND] = "wq_unbound",
};

const char *const bhb_producer_names[BHB_NR_PRODUCERS] = {
	[BHB_PROD_HARDIRQ] = "hardirq",
	[BHB_PROD_PROCESS] = "process",
	[BHB_PROD_PROCESS_BH] = "process_bh",
	[BHB_PROD_SOFTIRQ] = "softirq",
	[BHB_PROD_REMOTE] = "remote",
	[BHB_PROD_IRQWORK] = "irqwork",
};

const char *const bhb_ctx_names[BHB_NR_CTX] = {
	[BHB_CTX_HARDIRQ] = "hardirq",
	[BHB_CTX_SOFTIRQ_IRQ_EXIT] = "softirq_irq_exit",
	[BHB_CTX_SOFTIRQ_BH_ENABLE] = "softirq_bh_enable",
	[BHB_CTX_KSOFTIRQD] = "ksoftirqd",
	[BHB_CTX_KWORKER] = "kworker",
	[BHB_CTX_PROCESS] = "process",
	[BHB_CTX_SOFTIRQ_TASK] = "softirq_task",
	[BHB_CTX_SOFTIRQ_KTIMERS] = "softirq_ktimers",
	[BHB_CTX_SOFTIRQ_IRQ_THREAD] = "softirq_irq_thread",
};

const char *const bhb_ctrl_op_names[BHB_NR_CTRL_OPS] = {
	[BHB_CTRL_CANCEL] = "cancel",
	[BHB_CTRL_FLUSH] = "flush",
	[BHB_CTRL_DISABLE] = "disable_enable",
	[BHB_CTRL_COALESCE] = "coalesce",
	[BHB_CTRL_SELF_FREE] = "self_free",
	[BHB_CTRL_AFTER_CB] = "after_callback",
};

const char *const bhb_work_names[BHB_NR_CASE_WORKS] = {
	[BHB_CASE_WORK_BUSY] = "busy",
	[BHB_CASE_WORK_TOUCH] = "touch",
	[BHB_CASE_WORK_HASH] = "hash",
	[BHB_CASE_WORK_HANDOFF] = "handoff",
	[BHB_CASE_WORK_PAYLOAD] = "payload",
};

const char *const bhb_competitor_names[BHB_NR_COMPETITORS] = {
	[BHB_COMP_TASKLET] = "tasklet",
	[BHB_COMP_BH] = "bh",
	[BHB_COMP_BH_SECTION] = "bh_section",
};

const char *const bhb_victim_names[BHB_NR_VICTIMS] = {
	[BHB_VICTIM_NONE] = "none",
	[BHB_VICTIM_CPU] = "cpu",
	[BHB_VICTIM_RT] = "rt",
};

int bhb_name_lookup(const char *const *table, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n; i++)
		if (table[i] && !strcmp(table[i], name))
			return i;
	return -1;
}

int bhb_name_mask(const char *const *table, int n, const char *list, uint64_t *mask, char *bad,
		  size_t badlen)
{
	const char *sep = ", \t";

	*mask = 0;
	for (const char *t = list + strspn(list, sep); *t; t += strspn(t, sep)) {
		size_t l = strcspn(t, sep);
		char tok[64];
		int i;

		snprintf(tok, sizeof(tok), "%.*s", (int)l, t);
		t += l;
		if (!strcmp(tok, "all")) {
			*mask = (n >= 64) ? ~0ull : (1ull << n) - 1;
			continue;
		}
		i = l < sizeof(tok) ? bhb_name_lookup(table, n, tok) : -1;
		if (i < 0) {
			snprintf(bad, badlen, "%s", tok);
			return -1;
		}
		*mask |= 1ull << i;
	}
	return 0;
}
