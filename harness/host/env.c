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
