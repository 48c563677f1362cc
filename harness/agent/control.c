// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench guest agent: the control operations scenario (type = control).
 *
 * Per mechanism: the cost of cancel, flush and disable/enable on an idle
 * item and on a busy one (its callback running for cost_ns on another
 * CPU), repetitions randomly interleaved; then the coalescing, self-freeing
 * work and after-the-callback checks.  Each BHB_IOC_CTRL call becomes one
 * "control" frame; harness/host/control.c summarises them.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "agent.h"


/* the kernel API an op is for a mechanism */
static const char *api(int m, int op)
{
	static const char *const work[BHB_NR_CTRL_OPS] = {
		"cancel_work_sync()", "flush_work()", "disable_work_sync()+enable_work()",
		"queue_work()", "kfree() in the callback", "poisoned by the callback",
	};
	static const char *const tasklet[BHB_NR_CTRL_OPS] = {
		"tasklet_kill()", "-", "tasklet_disable()+tasklet_enable()",
		"tasklet_schedule()", "-", "RUN bit after the callback",
	};

	if (op == BHB_CTRL_COALESCE && m == BHB_MECH_TASKLET_HI)
		return "tasklet_hi_schedule()";
	return bhb_mech_is_tasklet(m) ? tasklet[op] : work[op];
}

static const char *na_reason(int m, int op)
{
	if (bhb_mech_is_tasklet(m) && op == BHB_CTRL_FLUSH)
		return "tasklets have no flush (tasklet_unlock_wait() only waits for a running callback)";
	if (bhb_mech_is_tasklet(m) && op == BHB_CTRL_SELF_FREE)
		return "a tasklet may not free itself: the core writes it after the callback";
	if (op == BHB_CTRL_DISABLE)
		return "disable_work_sync() and enable_work() arrived in 6.10";
	return "not supported by this kernel";
}

/* where an op is called from: the ioctl's process context, or atomic (BHB_CTRL_FROM_*) */
static const char *const from_names[3] = { "process", "hardirq", "softirq" };
static const uint32_t from_flags[3] = { 0, BHB_CTRL_FROM_HARDIRQ, BHB_CTRL_FROM_SOFTIRQ };

/*
 * The kernel API an op is from atomic context (from: 1 hardirq, 2
 * softirq), as the module picks it: from softirq the spinning variant
 * where there is one, else the one that does not wait.
 */
static const char *api_atomic(int m, int op, int from)
{
	int bh = m == BHB_MECH_BH || m == BHB_MECH_BH_HIGHPRI || m == BHB_MECH_BH_CUSTOM;

	if (bhb_mech_is_tasklet(m))
		return op == BHB_CTRL_DISABLE && from == 2 ? "tasklet_disable_in_atomic()+tasklet_enable()" : "-";
	if (op == BHB_CTRL_DISABLE)
		return bh && from == 2 ? "disable_work_sync()+enable_work()" : "disable_work()+enable_work()";
	return bh && from == 2 ? "cancel_work_sync()" : "cancel_work()";
}

static const char *na_atomic(int m, int op, int from)
{
	if (bhb_mech_is_tasklet(m) && op == BHB_CTRL_CANCEL)
		return "tasklet_kill() may sleep: a tasklet cannot be cancelled from atomic context";
	if (bhb_mech_is_tasklet(m) && from == 1)
		return "tasklet_disable_in_atomic() spins until the tasklet returns: not from hard interrupt context, "
		       "which may have interrupted it";
	if (bhb_mech_is_tasklet(m) && bhb_preempt_rt())
		return "PREEMPT_RT: tasklet_disable_in_atomic() from a tasklet blocked for good in "
		       "tasklet_unlock_spin_wait() while the tasklet ran on another CPU (7.3-rt): left out";
	return "disable_work() arrived in 6.10";
}

static int ctrl(int devfd, int m, int op, int busy, int from, uint32_t iters, uint64_t cost,
		struct bhb_ctrl_sample *buf, struct bhb_ctrl_req *r)
{
	memset(r, 0, sizeof(*r));
	r->abi_version = BHB_ABI_VERSION;
	r->mech = (uint32_t)m;
	r->op = (uint32_t)op;
	r->flags = (busy ? BHB_CTRL_BUSY : 0) | from_flags[from];
	r->iters = iters;
	r->cost_ns = busy ? cost : 0;
	r->samples = (uintptr_t)buf;
	return ioctl(devfd, BHB_IOC_CTRL, r) ? -errno : 0;
}

struct task {
	int mech, op, busy, from;
};

/* one timed call: a frame with its samples; returns the failed checks */
static int timing(struct bhb_agent *a, const struct task *t, int rep, uint32_t iters, uint64_t cost, struct bhb_ctrl_sample *buf)
{
	struct bhb_ctrl_req r;
	const char *state = t->busy ? "busy" : "idle";
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:I}", "kind", t->from ? "atomic" : "timing",
			      "mech", bhb_mech_names[t->mech], "op", bhb_ctrl_op_names[t->op], "state", state,
			      "api", t->from ? api_atomic(t->mech, t->op, t->from) : api(t->mech, t->op), "rep", rep,
			      "cost_ns", (json_int_t)(t->busy ? cost : 0));
	int err = ctrl(a->devfd, t->mech, t->op, t->busy, t->from, iters, cost, buf, &r), bad = 0;
	json_t *ops, *rem;

	if (err) {
		json_object_set_new(j, "error", json_string(strerror(-err)));
		say(a, "control %s %s %s: %s", bhb_ctrl_op_names[t->op], state, bhb_mech_names[t->mech], strerror(-err));
		send_json(a, "control", j);
		return 1;
	}
	ops = json_array();
	rem = json_array();
	for (uint32_t i = 0; i < iters; i++) {
		json_array_append_new(ops, json_integer((json_int_t)buf[i].op_ns));
		if (t->busy)
			json_array_append_new(rem, json_integer((json_int_t)buf[i].remaining_ns));
	}
	json_object_set_new(j, "iters", json_integer(iters));
	json_object_set_new(j, "ok", json_integer((json_int_t)r.ok));
	json_object_set_new(j, "queued", json_integer((json_int_t)r.queued));
	json_object_set_new(j, "executed", json_integer((json_int_t)r.executed));
	json_object_set_new(j, "cpu", json_integer(r.cpu));
	json_object_set_new(j, "target_cpu", json_integer(r.target_cpu));
	json_object_set_new(j, "op_ns", ops);
	if (t->busy)
		json_object_set_new(j, "remaining_ns", rem);
	else
		json_decref(rem);
	if (t->from) {
		json_object_set_new(j, "from", json_string(from_names[t->from]));
		json_object_set_new(j, "waits", json_boolean(r.waits));
		json_object_set_new(j, "wrong_ctx", json_integer((json_int_t)r.wrong_ctx));
	}
	/*
	 * busy: every op waited for the callback (from atomic context: met it
	 * running, and waited if the API waits); idle: no callback ran (a
	 * DISABLE from atomic context: none while disabled, one after enable)
	 */
	if (r.ok != iters || r.wrong_ctx ||
	    r.executed != (t->busy || (t->from && t->op == BHB_CTRL_DISABLE) ? iters : 0)) {
		say(a, "control %s %s %s: FAILED: ok %llu of %u, %llu callbacks", bhb_ctrl_op_names[t->op], state,
		    bhb_mech_names[t->mech], (unsigned long long)r.ok, iters, (unsigned long long)r.executed);
		bad = 1;
	}
	send_json(a, "control", j);
	return bad;
}

/* coalescing, self-freeing work, after the callback: one call each */
static int check(struct bhb_agent *a, int m, int op, uint32_t n)
{
	struct bhb_ctrl_req r;
	int err = ctrl(a->devfd, m, op, 0, 0, n, 0, NULL, &r), bad;
	json_t *j = json_pack("{s:s,s:s,s:s,s:I}", "kind", bhb_ctrl_op_names[op], "mech", bhb_mech_names[m],
			      "api", api(m, op), "items", (json_int_t)n);

	if (err == -EOPNOTSUPP) {
		json_object_set_new(j, "na", json_string(na_reason(m, op)));
		send_json(a, "control", j);
		return 0;
	}
	if (err) {
		json_object_set_new(j, "error", json_string(strerror(-err)));
		say(a, "control %s %s: %s", bhb_ctrl_op_names[op], bhb_mech_names[m], strerror(-err));
		send_json(a, "control", j);
		return 1;
	}
	json_object_set_new(j, "queued", json_integer((json_int_t)r.queued));
	json_object_set_new(j, "merged", json_integer((json_int_t)r.merged));
	json_object_set_new(j, "executed", json_integer((json_int_t)r.executed));
	json_object_set_new(j, "ok", json_integer((json_int_t)r.ok));
	json_object_set_new(j, "core_writes", json_integer((json_int_t)r.core_writes));
	switch (op) {
	case BHB_CTRL_COALESCE:
		/* every callback matches a queue call that returned true */
		bad = r.executed != r.queued || r.ok != n;
		break;
	case BHB_CTRL_SELF_FREE:
		bad = r.queued != n || r.executed != n || r.ok != n;
		break;
	default:
		/* a work item the core wrote after its callback could not free itself */
		bad = r.executed != n || (!bhb_mech_is_tasklet(m) && r.core_writes);
		break;
	}
	if (bad)
		say(a, "control %s %s: FAILED: queued %llu merged %llu executed %llu ok %llu core_writes %llu of %u",
		    bhb_ctrl_op_names[op], bhb_mech_names[m], (unsigned long long)r.queued, (unsigned long long)r.merged,
		    (unsigned long long)r.executed, (unsigned long long)r.ok,
		    (unsigned long long)r.core_writes, n);
	send_json(a, "control", j);
	return bad;
}

/*
 * A mechanism's timed ops, idle and busy, from process context and, for
 * cancel and disable, from hardirq and softirq context; an op the
 * mechanism (or kernel) lacks there is reported once as n/a
 */
static int add_tasks(struct bhb_agent *a, int m, struct task *tasks)
{
	int nt = 0;

	for (int from = 0; from < 3; from++)
		for (int op = 0; op < BHB_NR_CTRL_TIMED; op++) {
			struct bhb_ctrl_req r;
			int err;

			if (from && op == BHB_CTRL_FLUSH)
				continue;
			err = ctrl(a->devfd, m, op, 0, from, 1, 0, NULL, &r);
			for (int busy = 0; busy < 2; busy++) {
				const char *na = err == -EOPNOTSUPP ? (from ? na_atomic(m, op, from) : na_reason(m, op)) :
						 busy && a->info.nr_online < 2 ? "a busy item needs a second online CPU" :
						 NULL;
				json_t *j;

				if (!na) {
					tasks[nt++] = (struct task){ m, op, busy, from };
					continue;
				}
				j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "kind", from ? "atomic" : "timing",
					      "mech", bhb_mech_names[m], "op", bhb_ctrl_op_names[op],
					      "state", busy ? "busy" : "idle",
					      "api", from ? api_atomic(m, op, from) : api(m, op), "na", na);
				if (from)
					json_object_set_new(j, "from", json_string(from_names[from]));
				send_json(a, "control", j);
			}
		}
	return nt;
}

int run_control(struct bhb_agent *a, const struct bhb_scenario *s)
{
	uint32_t idle_iters = s->ops < BHB_CTRL_MAX_ITERS ? s->ops : BHB_CTRL_MAX_ITERS;
	uint32_t busy_iters = s->busy_ops < BHB_CTRL_MAX_ITERS ? s->busy_ops : BHB_CTRL_MAX_ITERS;
	struct task tasks[BHB_NR_MECHS * BHB_NR_CTRL_TIMED * 2 * 3];
	json_t *mechs = json_array(), *unavail = json_array();
	struct bhb_ctrl_sample *buf;
	uint64_t cost = s->cost_ns, rng = now_ns();
	int nt = 0, failed = 0;

	if (!cost) {
		json_decref(mechs);
		json_decref(unavail);
		send_error(a, "control: cost_us (the busy item's callback time) must be above 0");
		return 1;
	}
	if (busy_iters > BHB_CTRL_MAX_BUSY_NS / cost)
		busy_iters = (uint32_t)(BHB_CTRL_MAX_BUSY_NS / cost);
	buf = calloc(BHB_CTRL_MAX_ITERS, sizeof(*buf));
	if (!buf) {
		json_decref(mechs);
		json_decref(unavail);
		send_error(a, "control: out of memory");
		return 1;
	}
	for (int m = 0; m < BHB_NR_MECHS; m++) {
		if (m == BHB_MECH_DIRECT || !(s->mechs & (1ull << m)))
			continue;
		if (!(a->info.mech_available & (1ull << m))) {
			say(a, "%s: not available in this kernel", bhb_mech_names[m]);
			json_array_append_new(unavail, json_string(bhb_mech_names[m]));
			continue;
		}
		json_array_append_new(mechs, json_string(bhb_mech_names[m]));
		nt += add_tasks(a, m, tasks + nt);
	}
	say(a, "control: %d timed ops, idle x %u, busy x %u with a %llu ns callback, %u repetitions",
	    nt, idle_iters, busy_iters, (unsigned long long)cost, s->repetitions);
	send_json(a, "control", json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "kind", "config",
				       "cost_ns", (json_int_t)cost, "idle_iters", (json_int_t)idle_iters,
				       "busy_iters", (json_int_t)busy_iters,
				       "repetitions", (json_int_t)s->repetitions, "warmup", (json_int_t)s->warmup,
				       "mechs", mechs, "unavailable", unavail));
	/* untimed: each op once */
	for (uint32_t w = 0; w < s->warmup; w++)
		for (int i = 0; i < nt; i++) {
			struct bhb_ctrl_req r;

			ctrl(a->devfd, tasks[i].mech, tasks[i].op, tasks[i].busy, tasks[i].from, 2, cost, buf, &r);
		}
	for (uint32_t rep = 0; rep < s->repetitions; rep++) {
		/* a fresh order each repetition */
		for (int i = nt - 1; i > 0; i--) {
			int j = (int)(bhb_rand(&rng) % (uint64_t)(i + 1));
			struct task t = tasks[i];

			tasks[i] = tasks[j];
			tasks[j] = t;
		}
		for (int i = 0; i < nt; i++)
			failed += timing(a, &tasks[i], (int)rep, tasks[i].busy ? busy_iters : idle_iters, cost, buf);
		say(a, "control: repetition %u/%u done", rep + 1, s->repetitions);
	}
	for (int m = 0; m < BHB_NR_MECHS; m++) {
		if (m == BHB_MECH_DIRECT || !(s->mechs & (1ull << m)) || !(a->info.mech_available & (1ull << m)))
			continue;
		failed += check(a, m, BHB_CTRL_COALESCE, idle_iters);
		failed += check(a, m, BHB_CTRL_SELF_FREE, idle_iters);
		failed += check(a, m, BHB_CTRL_AFTER_CB, idle_iters);
	}
	say(a, "control: %d failed checks", failed);
	free(buf);
	return failed;
}

static int control_kind(struct bhb_agent *a, const struct bhb_boot_args *b)
{
	int failed = 0;

	for (int i = 0; i < b->nscens; i++)
		if (b->scens[i].type == BHB_SCEN_CONTROL)
			failed += run_control(a, &b->scens[i]) != 0;
	return failed;
}

const struct bhb_agent_kind bhb_agent_control = {
	.name = "control",
	.type = BHB_SCEN_CONTROL,
	.run = control_kind,
};
