// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the CPU hotplug drain scenario.  Per cycle: arm K items on
 * CPU X, take X offline through sysfs (timed as user space sees it),
 * collect, bring X back, collect again, disarm; stream one "hotplug" frame.
 * Mechanisms, modes and K are interleaved: every cycle of the outer loop
 * visits each (mode, K, mechanism) once, in a shuffled order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../common/stats.h"
#include "agent.h"

static int set_online(int cpu, int on, uint64_t *ns)
{
	char path[96];
	uint64_t t0;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	t0 = now_ns();
	if (write(fd, on ? "1" : "0", 1) != 1)
		ret = -errno;
	*ns = now_ns() - t0;
	close(fd);
	return ret;
}

static json_t *result_json(const struct bhb_hp_result *r)
{
	json_t *pc = json_object();

	for (int c = 0; c < BHB_MAX_CPUS; c++)
		if (r->per_cpu[c]) {
			char k[8];

			snprintf(k, sizeof(k), "%d", c);
			json_object_set_new(pc, k, json_integer((json_int_t)r->per_cpu[c]));
		}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:b}",
		"queued", (json_int_t)r->queued, "refused", (json_int_t)r->refused,
		"executed", (json_int_t)r->executed, "pending_at_dead", (json_int_t)r->pending_at_dead,
		"ran_alive", (json_int_t)r->by_phase[BHB_HP_ALIVE],
		"ran_dead", (json_int_t)r->by_phase[BHB_HP_DEAD_PHASE],
		"ran_online", (json_int_t)r->by_phase[BHB_HP_ONLINE],
		"on_cpu", (json_int_t)r->on_cpu, "on_other", (json_int_t)r->on_other, "per_cpu", pc,
		"t_queue_ns", (json_int_t)r->t_queue_ns, "t_teardown_ns", (json_int_t)r->t_teardown_ns,
		"t_dead_ns", (json_int_t)r->t_dead_ns, "t_online_ns", (json_int_t)r->t_online_ns,
		"t_first_exec_ns", (json_int_t)r->t_first_exec_ns, "t_last_exec_ns", (json_int_t)r->t_last_exec_ns,
		"dead_cpu", (int)r->dead_cpu, "saw_dead", r->saw_dead);
}

static int collect(struct bhb_hp_result *r, uint32_t wait_ms)
{
	memset(r, 0, sizeof(*r));
	r->abi_version = BHB_ABI_VERSION;
	r->wait_ms = wait_ms;
	return ioctl(devfd, BHB_IOC_HP_COLLECT, r) ? -errno : 0;
}

/* one offline/online cycle; 0, or -errno for a failure of the harness itself */
static int cycle(unsigned int seq, int cpu, int mech, int mode, uint32_t k, uint32_t delay_us)
{
	struct bhb_hp_arm a = { .abi_version = BHB_ABI_VERSION, .mech = (uint32_t)mech,
				.cpu = (uint32_t)cpu, .count = k, .cost_ns = sc.cost_ns,
				.mode = (uint32_t)mode };
	struct bhb_hp_result off, on;
	uint64_t t_off_start, off_ns = 0, on_ns = 0, tmp;
	int err;

	if (mode == BHB_HP_OFFLINE && (err = set_online(cpu, 0, &off_ns)))
		return err;
	if (ioctl(devfd, BHB_IOC_HP_ARM, &a)) {
		err = -errno;
		if (mode == BHB_HP_OFFLINE)
			set_online(cpu, 1, &tmp);
		return err;
	}
	if (delay_us)
		usleep(delay_us);
	t_off_start = now_ns();
	if (mode != BHB_HP_OFFLINE && (err = set_online(cpu, 0, &off_ns)))
		goto disarm;
	err = collect(&off, sc.offline_wait_ms);
	/* whatever happened, bring the CPU back */
	if (set_online(cpu, 1, &on_ns) && !err)
		err = -EIO;
	if (!err)
		err = collect(&on, sc.drain_ms);
disarm:
	ioctl(devfd, BHB_IOC_HP_DISARM);
	if (err)
		return err;
	send_json("hotplug", json_pack("{s:i,s:s,s:s,s:i,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:o,s:o}",
		"seq", seq, "mech", bhb_mech_names[mech], "mode", bhb_hp_mode_names[mode],
		"delay_us", (int)delay_us, "torture", (int)sc.torture,
		"cpu", cpu, "count", (json_int_t)k, "cost_ns", (json_int_t)sc.cost_ns,
		"t_offline_start_ns", (json_int_t)t_off_start,
		"offline_user_ns", (json_int_t)off_ns, "online_user_ns", (json_int_t)on_ns,
		"after_offline", result_json(&off), "after_online", result_json(&on)));
	return 0;
}

struct combo {
	int mech, mode;
	uint32_t k;
};

int run_hotplug(void)
{
	struct combo *v = calloc((size_t)BHB_NR_MECHS * BHB_NR_HP_MODES * 16, sizeof(*v));
	unsigned int seq = 0, total, failed = 0;
	uint64_t rng = now_ns();
	int cpu = sc.hp_cpu, n = 0;

	if (!v)
		return 1;
	if (cpu < 0)
		for (int c = 0; c < BHB_MAX_CPUS; c++)
			if (info.online_mask & (1ull << c))
				cpu = c;
	if (cpu <= 0 || !(info.online_mask & (1ull << cpu))) {
		send_error("hotplug: need a second online CPU to take offline (boot with --cpus 2 or more)");
		free(v);
		return 1;
	}
	for (int mode = 0; mode < BHB_NR_HP_MODES; mode++) {
		if (!(sc.modes & (1u << mode)))
			continue;
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			if (!(sc.mechs & (1ull << m)) || !(info.mech_available & (1ull << m)) ||
			    m == BHB_MECH_DIRECT)
				continue;
			/* tasklets cannot be queued on another CPU */
			if (mode != BHB_HP_TEARDOWN && (m == BHB_MECH_TASKLET || m == BHB_MECH_TASKLET_HI))
				continue;
			for (uint32_t i = 0; i < sc.ncounts; i++)
				v[n++] = (struct combo){ m, mode, sc.counts[i] };
		}
	}
	uint32_t kmax = 0;

	for (uint32_t i = 0; i < sc.ncounts; i++)
		if (sc.counts[i] > kmax)
			kmax = sc.counts[i];
	if (sc.torture) {
		/* one entry per mechanism; mode and K are drawn per cycle */
		int w = 0;

		for (int i = 0; i < n; i++) {
			int seen = 0;

			for (int j = 0; j < w; j++)
				seen |= v[j].mech == v[i].mech;
			if (!seen)
				v[w++] = v[i];
		}
		n = w;
	}
	total = (unsigned int)n * sc.cycles;
	say("hotplug: CPU %d, %d combinations x %u cycles%s", cpu, n, sc.cycles,
	    sc.torture ? " (torture: random combination each cycle)" : "");
	for (uint32_t c = 0; c < sc.cycles; c++) {
		/* a fresh shuffle each round: no combination always goes first */
		for (int i = n - 1; i > 0; i--) {
			int j = (int)(bhb_rand(&rng) % (uint64_t)(i + 1));
			struct combo t = v[i];

			v[i] = v[j];
			v[j] = t;
		}
		for (int i = 0; i < n; i++) {
			struct combo cb = v[i];
			uint32_t delay = 0;
			int err;

			/*
			 * torture: each mechanism once a round (v holds one entry per
			 * mechanism), with a random mode it supports, a random K up to
			 * the largest count and a random delay before the offline
			 */
			if (sc.torture) {
				do
					cb.mode = (int)(bhb_rand(&rng) % BHB_NR_HP_MODES);
				while (!(sc.modes & (1u << cb.mode)) ||
				       (cb.mode != BHB_HP_TEARDOWN &&
					(cb.mech == BHB_MECH_TASKLET || cb.mech == BHB_MECH_TASKLET_HI)));
				cb.k = 1 + (uint32_t)(bhb_rand(&rng) % kmax);
				delay = (uint32_t)(bhb_rand(&rng) % 5000);
			}
			err = cycle(++seq, cpu, cb.mech, cb.mode, cb.k, delay);
			if (err) {
				char msg[160];

				snprintf(msg, sizeof(msg), "hotplug cycle %u (%s, %s, K=%u): %s", seq,
					 bhb_mech_names[cb.mech], bhb_hp_mode_names[cb.mode], cb.k, strerror(-err));
				send_error(msg);
				failed++;
				if (failed > 10)
					goto out;
			}
			if (seq % 50 == 0 || seq == total)
				say("hotplug: %u/%u cycles", seq, total);
		}
	}
out:
	free(v);
	return (int)failed;
}
