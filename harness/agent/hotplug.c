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
#include <sys/wait.h>
#include <unistd.h>

#include "../common/stats.h"
#include "agent.h"

int set_online(int cpu, int on, uint64_t *ns)
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
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:b,s:I,s:I}",
		"queued", (json_int_t)r->queued, "refused", (json_int_t)r->refused,
		"executed", (json_int_t)r->executed, "pending_at_dead", (json_int_t)r->pending_at_dead,
		"ran_alive", (json_int_t)r->by_phase[BHB_HP_ALIVE],
		"ran_dead", (json_int_t)r->by_phase[BHB_HP_DEAD_PHASE],
		"ran_online", (json_int_t)r->by_phase[BHB_HP_ONLINE],
		"on_cpu", (json_int_t)r->on_cpu, "on_other", (json_int_t)r->on_other, "per_cpu", pc,
		"t_queue_ns", (json_int_t)r->t_queue_ns, "t_teardown_ns", (json_int_t)r->t_teardown_ns,
		"t_dead_ns", (json_int_t)r->t_dead_ns, "t_online_ns", (json_int_t)r->t_online_ns,
		"t_first_exec_ns", (json_int_t)r->t_first_exec_ns, "t_last_exec_ns", (json_int_t)r->t_last_exec_ns,
		"dead_cpu", (int)r->dead_cpu, "saw_dead", r->saw_dead,
		"queued_after_dead", (json_int_t)r->queued_after_dead,
		"in_call_at_dead", (json_int_t)r->in_call_at_dead);
}

/*
 * What a cycle needs: the device and the scenario.  The agent's run and
 * each "hp" step of hyperfine (a process of its own) make one.
 */
struct hp {
	int devfd;
	const struct bhb_scenario *sc;
};

static int collect(const struct hp *h, struct bhb_hp_result *r, uint32_t wait_ms)
{
	memset(r, 0, sizeof(*r));
	r->abi_version = BHB_ABI_VERSION;
	r->wait_ms = wait_ms;
	return ioctl(h->devfd, BHB_IOC_HP_COLLECT, r) ? -errno : 0;
}

/*
 * Second half of a cycle, the CPU offline: collect, bring it back, collect
 * again, disarm; the cycle's record goes to *rec.
 */
static int finish_cycle(const struct hp *h, json_t **rec, unsigned int seq, int cpu, int mech, int mode, uint32_t k,
			uint32_t delay_us, uint64_t t_off_start, uint64_t off_ns)
{
	struct bhb_hp_result off, on;
	uint64_t on_ns = 0;
	int err;

	err = collect(h, &off, h->sc->offline_wait_ms);
	/* whatever happened, bring the CPU back */
	if (set_online(cpu, 1, &on_ns) && !err)
		err = -EIO;
	if (!err)
		err = collect(h, &on, h->sc->drain_ms);
	ioctl(h->devfd, BHB_IOC_HP_DISARM);
	if (err)
		return err;
	*rec = json_pack("{s:i,s:s,s:s,s:i,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:o,s:o}",
		"seq", seq, "mech", bhb_mech_names[mech], "mode", bhb_hp_mode_names[mode],
		"delay_us", (int)delay_us, "torture", (int)h->sc->torture,
		"cpu", cpu, "count", (json_int_t)k, "cost_ns", (json_int_t)h->sc->cost_ns,
		"t_offline_start_ns", (json_int_t)t_off_start,
		"offline_user_ns", (json_int_t)off_ns, "online_user_ns", (json_int_t)on_ns,
		"after_offline", result_json(&off), "after_online", result_json(&on));
	return 0;
}

static int arm(const struct hp *h, int cpu, int mech, int mode, uint32_t k)
{
	struct bhb_hp_arm a = { .abi_version = BHB_ABI_VERSION, .mech = (uint32_t)mech,
				.cpu = (uint32_t)cpu, .count = k, .cost_ns = h->sc->cost_ns,
				.mode = (uint32_t)mode };

	return ioctl(h->devfd, BHB_IOC_HP_ARM, &a) ? -errno : 0;
}

/* one offline/online cycle; 0, or -errno for a failure of the harness itself */
static int cycle(struct bhb_agent *a, unsigned int seq, int cpu, int mech, int mode, uint32_t k,
		 uint32_t delay_us)
{
	const struct hp h = { a->devfd, &a->sc };
	uint64_t t_off_start, off_ns = 0, tmp;
	json_t *rec = NULL;
	int err;

	if (mode == BHB_HP_OFFLINE && (err = set_online(cpu, 0, &off_ns)))
		return err;
	err = arm(&h, cpu, mech, mode, k);
	if (err) {
		if (mode == BHB_HP_OFFLINE)
			set_online(cpu, 1, &tmp);
		return err;
	}
	if (delay_us)
		usleep(delay_us);
	t_off_start = now_ns();
	if (mode != BHB_HP_OFFLINE && (err = set_online(cpu, 0, &off_ns))) {
		ioctl(h.devfd, BHB_IOC_HP_DISARM);
		return err;
	}
	err = finish_cycle(&h, &rec, seq, cpu, mech, mode, k, delay_us, t_off_start, off_ns);
	if (!err)
		send_json(a, "hotplug", rec);
	return err;
}

/*
 * hyperfine drives the same cycle from outside: "hp prep" (finish the
 * previous cycle if any, then arm), "hp offline" (the timed command),
 * "hp finish".  The guest agent runs these as separate processes; they
 * share the module's armed state and a few files in /tmp.
 */
#define HF_LAST "/tmp/bhbench-hf-last"
#define HF_CYCLES "/tmp/bhbench-hf-cycles.jsonl"

static int hp_finish_pending(const struct hp *h)
{
	FILE *f = fopen(HF_LAST, "r");
	unsigned long long t0 = 0, off = 0;
	int cpu, mech, k, seq, err;
	json_t *rec = NULL;

	if (!f)
		return 0;	/* nothing armed by us */
	if (fscanf(f, "%d %d %d %d %llu %llu", &seq, &cpu, &mech, &k, &t0, &off) < 4) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	unlink(HF_LAST);
	err = finish_cycle(h, &rec, (unsigned int)seq, cpu, mech, BHB_HP_TEARDOWN, (uint32_t)k, 0, t0, off);
	if (!err) {
		char *line = json_dumps(rec, JSON_COMPACT);

		f = fopen(HF_CYCLES, "a");
		if (f && line)
			fprintf(f, "%s\n", line);
		if (f)
			fclose(f);
		free(line);
		json_decref(rec);
	}
	return err;
}

/* "hp prep SEQ CPU MECH K": finish the previous cycle, arm the next */
static int hp_prep(const struct hp *h, char **argv)
{
	int seq = atoi(argv[1]), cpu = atoi(argv[2]), mech = atoi(argv[3]), k = atoi(argv[4]);
	int err = hp_finish_pending(h);
	FILE *f;

	if (!err)
		err = arm(h, cpu, mech, BHB_HP_TEARDOWN, (uint32_t)k);
	f = err ? NULL : fopen(HF_LAST, "w");
	if (f) {
		fprintf(f, "%d %d %d %d\n", seq, cpu, mech, k);
		fclose(f);
	}
	return err;
}

/* "hp offline CPU": the timed step; its start and length go to HF_LAST */
static int hp_offline(const char *cpu)
{
	uint64_t t0 = now_ns(), off = 0;
	char *last = NULL;
	size_t n = 0;
	FILE *f = fopen(HF_LAST, "r");
	int err;

	if (f) {
		if (getline(&last, &n, f) < 0)
			last = NULL;
		fclose(f);
	}
	err = set_online(atoi(cpu), 0, &off);
	f = last ? fopen(HF_LAST, "w") : NULL;
	if (f) {
		last[strcspn(last, "\n")] = 0;
		fprintf(f, "%s %llu %llu\n", last, (unsigned long long)t0, (unsigned long long)off);
		fclose(f);
	}
	free(last);
	return err;
}

int hp_tool(int argc, char **argv)
{
	struct bhb_scenario *sc = calloc(1, sizeof(*sc));
	struct hp h = { open("/dev/" BHB_DEVICE_NAME, O_RDWR | O_CLOEXEC), sc };
	int ret = 2;

	if (!sc || h.devfd < 0 || argc < 1 || bhb_scenario_load("/scenario.ini", sc))
		goto out;
	if (!strcmp(argv[0], "noop"))
		ret = 0;
	else if (!strcmp(argv[0], "prep") && argc == 5)
		ret = hp_prep(&h, argv) ? 1 : 0;
	else if (!strcmp(argv[0], "offline") && argc == 2)
		ret = hp_offline(argv[1]) ? 1 : 0;
	else if (!strcmp(argv[0], "finish"))
		ret = hp_finish_pending(&h) ? 1 : 0;
out:
	if (h.devfd >= 0)
		close(h.devfd);
	free(sc);
	return ret;
}

/* hyperfine's JSON (out) and the cycles it drove, as a "hyperfine" frame */
static json_t *hyperfine_json(const struct bhb_scenario *sc, int mech, const char *out)
{
	size_t n;
	char *hf = NULL, *line = NULL;
	FILE *f = fopen(out, "r");
	json_t *cyc = json_array(), *j;
	json_error_t je;

	if (f) {
		j = json_loadf(f, 0, &je);
		fclose(f);
		hf = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
	}
	f = fopen(HF_CYCLES, "r");
	n = 0;
	while (f && getline(&line, &n, f) > 0) {
		j = json_loads(line, 0, &je);
		if (j)
			json_array_append_new(cyc, j);
	}
	if (f)
		fclose(f);
	free(line);
	j = json_pack("{s:s,s:I,s:I,s:o,s:o}", "mech", bhb_mech_names[mech],
		      "count", (json_int_t)sc->counts[0], "cost_ns", (json_int_t)sc->cost_ns,
		      "hyperfine", hf ? json_loads(hf, 0, &je) : json_null(), "cycles", cyc);
	free(hf);
	return j;
}

/* time the offline with hyperfine for each mechanism, K = the first count */
static void run_hyperfine(struct bhb_agent *a, int cpu, const int *mechs, int nm)
{
	const struct bhb_scenario *sc = &a->sc;
	const struct hp h = { a->devfd, sc };

	for (int i = 0; i < nm; i++) {
		char prep[96], off[48], runs[16], out[64];
		pid_t pid;
		int status;

		snprintf(prep, sizeof(prep), "/init hp prep %d %d %d %u", 100000 + i, cpu, mechs[i], sc->counts[0]);
		snprintf(off, sizeof(off), "/init hp offline %d", cpu);
		snprintf(runs, sizeof(runs), "%u", sc->cycles < 2 ? 2 : sc->cycles);
		snprintf(out, sizeof(out), "/tmp/hyperfine-%s.json", bhb_mech_names[mechs[i]]);
		unlink(HF_CYCLES);
		say(a, "hyperfine: %s, K=%u, %s runs", bhb_mech_names[mechs[i]], sc->counts[0], runs);
		pid = fork();
		if (pid == 0) {
			execl("/usr/bin/hyperfine", "hyperfine", "-N", "--style", "basic", "--runs", runs,
			      "--export-json", out, "--prepare", prep, "--prepare", "/init hp noop",
			      "-n", "offline", off, "-n", "exec-only", "/init hp noop", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			send_error(a, "hyperfine failed (is /usr/bin/hyperfine in the initramfs?)");
			hp_finish_pending(&h);
			continue;
		}
		/* the last run is still armed and offline */
		if (hp_finish_pending(&h))
			send_error(a, "hyperfine: finishing the last cycle failed");
		send_json(a, "hyperfine", hyperfine_json(sc, mechs[i], out));
	}
}

struct combo {
	int mech, mode;
	uint32_t k;
};

/* the (mechanism, mode, K) combinations of the scenario into v; how many */
static int combos(const struct bhb_agent *a, struct combo *v)
{
	const struct bhb_scenario *sc = &a->sc;
	int n = 0;

	for (int mode = 0; mode < BHB_NR_HP_MODES; mode++) {
		if (!(sc->modes & (1u << mode)))
			continue;
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			if (!(sc->mechs & (1ull << m)) || !(a->info.mech_available & (1ull << m)) ||
			    m == BHB_MECH_DIRECT)
				continue;
			/* tasklets cannot be queued on another CPU */
			if (mode != BHB_HP_TEARDOWN && bhb_mech_is_tasklet(m))
				continue;
			for (uint32_t i = 0; i < sc->ncounts; i++)
				v[n++] = (struct combo){ m, mode, sc->counts[i] };
		}
	}
	if (sc->torture) {
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
	return n;
}

/*
 * torture: each mechanism once a round (v holds one entry per mechanism),
 * with a random mode it supports, a random K up to the largest count and
 * a random delay before the offline
 */
static void torture(const struct bhb_scenario *sc, struct combo *cb, uint32_t *delay, uint64_t *rng)
{
	uint32_t kmax = 0;

	for (uint32_t i = 0; i < sc->ncounts; i++)
		if (sc->counts[i] > kmax)
			kmax = sc->counts[i];
	do
		cb->mode = (int)(bhb_rand(rng) % BHB_NR_HP_MODES);
	while (!(sc->modes & (1u << cb->mode)) ||
	       (cb->mode != BHB_HP_TEARDOWN && bhb_mech_is_tasklet(cb->mech)));
	cb->k = 1 + (uint32_t)(bhb_rand(rng) % kmax);
	*delay = (uint32_t)(bhb_rand(rng) % 5000);
}

/* sc->cycles rounds over the n combinations of v; the number of failed cycles (stops past 10) */
static unsigned int cycles(struct bhb_agent *a, int cpu, struct combo *v, int n)
{
	const struct bhb_scenario *sc = &a->sc;
	unsigned int seq = 0, total = (unsigned int)n * sc->cycles, failed = 0;
	uint64_t rng = now_ns();

	for (uint32_t c = 0; c < sc->cycles; c++) {
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

			if (sc->torture)
				torture(sc, &cb, &delay, &rng);
			err = cycle(a, ++seq, cpu, cb.mech, cb.mode, cb.k, delay);
			if (err) {
				char msg[160];

				snprintf(msg, sizeof(msg), "hotplug cycle %u (%s, %s, K=%u): %s", seq,
					 bhb_mech_names[cb.mech], bhb_hp_mode_names[cb.mode], cb.k, strerror(-err));
				send_error(a, msg);
				if (++failed > 10)
					return failed;
			}
			if (seq % 50 == 0 || seq == total)
				say(a, "hotplug: %u/%u cycles", seq, total);
		}
	}
	return failed;
}

/* the CPU to take offline: the scenario's, or the last online one; -1: none fits (error sent) */
static int hp_cpu(struct bhb_agent *a)
{
	int cpu = a->sc.hp_cpu;

	if (cpu < 0)
		for (int c = 0; c < BHB_MAX_CPUS; c++)
			if (a->info.online_mask & (1ull << c))
				cpu = c;
	if (cpu <= 0 || !(a->info.online_mask & (1ull << cpu))) {
		send_error(a, "hotplug: need a second online CPU to take offline (boot with --cpus 2 or more)");
		return -1;
	}
	return cpu;
}

int run_hotplug(struct bhb_agent *a)
{
	const struct bhb_scenario *sc = &a->sc;
	struct combo *v = calloc((size_t)BHB_NR_MECHS * BHB_NR_HP_MODES * 16, sizeof(*v));
	unsigned int failed;
	int cpu, n;

	if (!v)
		return 1;
	cpu = hp_cpu(a);
	if (cpu < 0) {
		free(v);
		return 1;
	}
	n = combos(a, v);
	/* the first offline of a boot is slower than the rest: warm up, untimed */
	for (uint32_t w = 0; w < sc->warmup; w++) {
		uint64_t ns;

		if (set_online(cpu, 0, &ns) || set_online(cpu, 1, &ns)) {
			send_error(a, "hotplug: the warm-up offline/online cycle failed");
			free(v);
			return 1;
		}
	}
	say(a, "hotplug: CPU %d, %d combinations x %u cycles%s", cpu, n, sc->cycles,
	    sc->torture ? " (torture: random combination each cycle)" : "");
	failed = cycles(a, cpu, v, n);
	free(v);
	if (failed > 10)
		return (int)failed;
	if (sc->hyperfine && !access("/usr/bin/hyperfine", X_OK)) {
		int mechs[BHB_NR_MECHS], nm = 0;

		for (int m = 0; m < BHB_NR_MECHS; m++)
			if ((sc->mechs & (1ull << m)) && (a->info.mech_available & (1ull << m)) &&
			    m != BHB_MECH_DIRECT)
				mechs[nm++] = m;
		run_hyperfine(a, cpu, mechs, nm);
	} else if (sc->hyperfine) {
		send_error(a, "hyperfine: /usr/bin/hyperfine is not in the initramfs");
		failed++;
	}
	return (int)failed;
}

static int hotplug_kind(struct bhb_agent *a, const struct bhb_boot_args *b)
{
	(void)b;
	return run_hotplug(a) != 0;
}

const struct bhb_agent_kind bhb_agent_hotplug = {
	.name = "hotplug",
	.type = BHB_SCEN_HOTPLUG,
	.run = hotplug_kind,
};
