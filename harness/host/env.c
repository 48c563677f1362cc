// SPDX-License-Identifier: GPL-2.0
/* The host half of the environment record every result carries. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bhbench.h"

static void cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			char *v = strchr(line, ':') + 2;

			v[strcspn(v, "\n")] = 0;
			snprintf(out, len, "%s", v);
			break;
		}
	}
	fclose(f);
}

/* the host's CPU time so far over all its CPUs (/proc/stat): user nice system idle iowait irq softirq steal */
int bhb_host_ticks(unsigned long long t[8])
{
	FILE *f = fopen("/proc/stat", "r");
	int n = 0;

	if (f) {
		n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3], &t[4], &t[5],
			   &t[6], &t[7]);
		fclose(f);
	}
	return n == 8 ? 0 : -1;
}

/*
 * Between two samples: the share of the host's CPU time that was busy (any
 * process, QEMU's threads and the rest), and stolen (a hypervisor under
 * the host ran something else: on a virtual machine it moves emulated
 * timings as host load does); null when a sample is missing.
 */
json_t *bhb_host_shares(const unsigned long long a[8], const unsigned long long b[8])
{
	unsigned long long d[8], tot = 0;

	for (int i = 0; i < 8; i++) {
		if (b[i] < a[i])
			return json_null();
		d[i] = b[i] - a[i];
		tot += d[i];
	}
	if (!tot)
		return json_null();
	return json_pack("{s:f,s:f,s:f}", "busy_pct", 100.0 * (double)(d[0] + d[1] + d[2] + d[5] + d[6]) / (double)tot,
			 "steal_pct", 100.0 * (double)d[7] / (double)tot, "seconds",
			 (double)tot / (double)sysconf(_SC_CLK_TCK) / (double)sysconf(_SC_NPROCESSORS_ONLN));
}

/* host load while the guest ran: emulated timings suffer from it */
json_t *bhb_host_load(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = -1, b = -1, c = -1;

	if (f) {
		if (fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
			a = b = c = -1;
		fclose(f);
	}
	return json_pack("[f,f,f]", a, b, c);
}

json_t *bhb_host_env(int emulated)
{
	struct utsname u;
	char model[256], date[64], host[256] = "";
	time_t now = time(NULL);
	const char *par;
	char *end;
	json_t *env;
	long n;

	uname(&u);
	cpu_model(model, sizeof(model));
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	gethostname(host, sizeof(host) - 1);
	/* natively there is no emulator to name (and QEMU may not be installed) */
	env = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s}", "host_cpu", model, "host_kernel", u.release,
			"host_cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "qemu",
			emulated ? bhb_qemu_version() : "none (native)", "date", date, "hostname", host);
	/* "bhbench matrix --jobs N" ran this boot next to others: its timings shared the host */
	par = getenv("BHBENCH_PARALLEL");
	if (env && par && (n = strtol(par, &end, 10)) > 1 && !*end)
		json_object_set_new(env, "parallel_cells", json_integer(n));
	/* another emulator or a wrapper (scripts/slow-qemu: the slow-emulation knob) */
	par = getenv("BHBENCH_QEMU");
	if (env && par && *par) {
		json_object_set_new(env, "qemu_command", json_string(par));
		if (strstr(par, "slow-qemu"))
			json_object_set_new(env, "slowed_emulation",
					    json_string(getenv("BHBENCH_SLOW") && !strcmp(getenv("BHBENCH_SLOW"), "2")
							? "-singlestep (scripts/slow-qemu, BHBENCH_SLOW=2)"
							: "-d nochain (scripts/slow-qemu, BHBENCH_SLOW=1)"));
	}
	return env;
}
