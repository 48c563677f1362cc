// SPDX-License-Identifier: GPL-2.0
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names.h"

struct ctx {
	struct bhb_scenario *sc;
	const char *label;
	int failed;
	char msg[400];
};

const char *const bhb_hp_mode_names[] = { "teardown", "dead", "offline", "race" };

void bhb_scenario_defaults(struct bhb_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "unnamed");
	sc->producers = 1u << BHB_PROD_HARDIRQ;
	sc->mechs = (1ull << BHB_NR_MECHS) - 1;
	sc->items = 2000;
	sc->inflight = 64;
	sc->period_ns = 100000;
	sc->repetitions = 10;
	sc->warmup = 1;
	sc->drain_ms = 5000;
	sc->type = BHB_SCEN_LATENCY;
	sc->hp_cpu = -1;
	sc->counts[0] = 100;
	sc->ncounts = 1;
	sc->modes = 1u << BHB_HP_TEARDOWN;
	sc->cycles = 3;
	sc->offline_wait_ms = 1000;
	sc->requests = 10000;
	sc->threads = 4;
	sc->lifecycle = 100;
	sc->slab_slack_kb = 2048;
}


static int __attribute__((format(printf, 2, 3))) bad(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->failed = 1;
	return 0;
}

static int parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

/* comma/space separated names from table; "all" = every entry */
static int parse_names(struct ctx *c, const char *key, const char *v,
		       const char *const *table, int n, uint64_t *mask)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return bad(c, "%s: list too long", key);
	snprintf(buf, sizeof(buf), "%s", v);
	*mask = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		int i;

		if (!strcmp(tok, "all")) {
			*mask = (n >= 64) ? ~0ull : (1ull << n) - 1;
			continue;
		}
		i = bhb_name_lookup(table, n, tok);
		if (i < 0) {
			char valid[256] = "";

			for (int k = 0; k < n; k++) {
				strncat(valid, table[k], sizeof(valid) - strlen(valid) - 1);
				strncat(valid, k + 1 < n ? ", " : "", sizeof(valid) - strlen(valid) - 1);
			}
			return bad(c, "%s: unknown name '%s' (valid: %s, all)", key, tok, valid);
		}
		*mask |= 1ull << i;
	}
	if (!*mask)
		return bad(c, "%s: empty list", key);
	return 1;
}

static int parse_cpus(struct ctx *c, const char *v, uint64_t *mask)
{
	char buf[256], *save = NULL, *tok;

	if (!strcmp(v, "all")) {
		*mask = 0;
		return 1;
	}
	if (strlen(v) >= sizeof(buf))
		return bad(c, "cpus: list too long");
	snprintf(buf, sizeof(buf), "%s", v);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t a, b;
		char *dash = strchr(tok, '-');

		while (*tok == ' ')
			tok++;
		if (dash) {
			*dash = 0;
			if (parse_u64(tok, 0, 63, &a) || parse_u64(dash + 1, 0, 63, &b) || b < a)
				return bad(c, "cpus: bad range '%s' (want e.g. 0-3, 5 or all; CPUs 0..63)", v);
		} else {
			if (parse_u64(tok, 0, 63, &a))
				return bad(c, "cpus: bad CPU '%s' (want e.g. 0-3, 5 or all; CPUs 0..63)", v);
			b = a;
		}
		for (uint64_t i = a; i <= b; i++)
			*mask |= 1ull << i;
	}
	if (!*mask)
		return bad(c, "cpus: empty list");
	return 1;
}

static int parse_counts(struct ctx *c, const char *v)
{
	char buf[256], *save = NULL, *tok;
	struct bhb_scenario *sc = c->sc;

	if (strlen(v) >= sizeof(buf))
		return bad(c, "counts: list too long");
	snprintf(buf, sizeof(buf), "%s", v);
	sc->ncounts = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		uint64_t k;

		if (parse_u64(tok, 1, BHB_MAX_HP_ITEMS, &k))
			return bad(c, "counts: '%s' is not an integer from 1 to %u", tok, BHB_MAX_HP_ITEMS);
		if (sc->ncounts == sizeof(sc->counts) / sizeof(sc->counts[0]))
			return bad(c, "counts: at most 16 values");
		sc->counts[sc->ncounts++] = (uint32_t)k;
	}
	if (!sc->ncounts)
		return bad(c, "counts: empty list");
	return 1;
}

struct num_key {
	const char *key;
	uint64_t lo, hi, scale;
	size_t off;
	int is32;
	const char *unit;
};

#define NK(k, lo, hi, scale, field, unit) \
	{ k, lo, hi, scale, offsetof(struct bhb_scenario, field), \
	  sizeof(((struct bhb_scenario *)0)->field) == 4, unit }

static const struct num_key num_keys[] = {
	NK("items", 1, 10000000, 1, items, "arrivals per CPU"),
	NK("inflight", 1, 4096, 1, inflight, "item slots per CPU"),
	NK("period_us", 1, 1000000, 1000, period_ns, "microseconds"),
	NK("period_ns", 1000, 1000000000, 1, period_ns, "nanoseconds"),
	NK("cost_ns", 0, 10000000, 1, cost_ns, "nanoseconds"),
	NK("cost_us", 0, 10000, 1000, cost_ns, "microseconds"),
	NK("repetitions", 1, 1000, 1, repetitions, "runs"),
	NK("warmup", 0, 100, 1, warmup, "rounds"),
	NK("drain_ms", 1, 60000, 1, drain_ms, "milliseconds"),
	NK("cycles", 1, 100000, 1, cycles, "offline/online cycles"),
	NK("torture", 0, 1, 1, torture, "0 or 1"),
	NK("offline_wait_ms", 1, 60000, 1, offline_wait_ms, "milliseconds"),
	NK("hyperfine", 0, 1, 1, hyperfine, "0 or 1"),
	NK("requests", 1, 100000000, 1, requests, "requests"),
	NK("threads", 1, 16, 1, threads, "threads"),
	NK("lifecycle", 0, 100000, 1, lifecycle, "unload/load cycles"),
	NK("slab_slack_kb", 0, 1000000, 1, slab_slack_kb, "kB"),
};

/* Debian's inih does not pass line numbers: ini_parse returns the first bad line. */
static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct ctx *c = user;
	struct bhb_scenario *sc = c->sc;
	uint64_t m;

	if (c->failed)
		return 1;	/* report only the first problem */
	if (strcmp(section, "scenario"))
		return bad(c, "unknown section [%s] (only [scenario])", section);
	if (!strcmp(key, "name")) {
		if (!*value || strlen(value) >= sizeof(sc->name) || strpbrk(value, " /\t"))
			return bad(c, "name: '%s' must be 1-63 characters without spaces or '/'", value);
		snprintf(sc->name, sizeof(sc->name), "%s", value);
		return 1;
	}
	if (!strcmp(key, "description")) {
		snprintf(sc->description, sizeof(sc->description), "%s", value);
		return 1;
	}
	if (!strcmp(key, "producers")) {
		if (!parse_names(c, key, value, bhb_producer_names, BHB_NR_PRODUCERS, &m))
			return 0;
		sc->producers = (uint32_t)m;
		return 1;
	}
	if (!strcmp(key, "mechanisms"))
		return parse_names(c, key, value, bhb_mech_names, BHB_NR_MECHS, &sc->mechs);
	if (!strcmp(key, "cpus"))
		return parse_cpus(c, value, &sc->cpus);
	if (!strcmp(key, "type")) {
		if (!strcmp(value, "latency"))
			sc->type = BHB_SCEN_LATENCY;
		else if (!strcmp(value, "hotplug"))
			sc->type = BHB_SCEN_HOTPLUG;
		else if (!strcmp(value, "fuzz"))
			sc->type = BHB_SCEN_FUZZ;
		else
			return bad(c, "type: '%s' is not latency, hotplug or fuzz", value);
		return 1;
	}
	if (!strcmp(key, "expected_warnings")) {
		if (strlen(value) >= sizeof(sc->expected_warnings))
			return bad(c, "expected_warnings: list too long");
		snprintf(sc->expected_warnings, sizeof(sc->expected_warnings), "%s", value);
		return 1;
	}
	if (!strcmp(key, "counts"))
		return parse_counts(c, value);
	if (!strcmp(key, "modes")) {
		if (!parse_names(c, key, value, bhb_hp_mode_names, BHB_NR_HP_MODES, &m))
			return 0;
		sc->modes = (uint32_t)m;
		return 1;
	}
	if (!strcmp(key, "hotplug_cpu")) {
		if (!strcmp(value, "last")) {
			sc->hp_cpu = -1;
			return 1;
		}
		if (parse_u64(value, 1, 63, &m))
			return bad(c, "hotplug_cpu: '%s' is not 'last' or a CPU from 1 to 63 (CPU 0 cannot go offline)", value);
		sc->hp_cpu = (int32_t)m;
		return 1;
	}
	for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		const struct num_key *k = &num_keys[i];
		if (strcmp(key, k->key))
			continue;
		if (parse_u64(value, k->lo, k->hi, &m))
			return bad(c, "%s = '%.60s': want an integer from %llu to %llu (%s)", key, value,
				   (unsigned long long)k->lo, (unsigned long long)k->hi, k->unit);
		m *= k->scale;
		if (k->is32)
			*(uint32_t *)((char *)sc + k->off) = (uint32_t)m;
		else
			*(uint64_t *)((char *)sc + k->off) = m;
		return 1;
	}
	return bad(c, "unknown key '%s' in [%s]", key, section);
}

static int finish(struct ctx *c, int ret)
{
	if (ret == -2) {
		snprintf(c->sc->error, sizeof(c->sc->error), "%s: out of memory", c->label);
		return -1;
	}
	if (ret > 0) {
		snprintf(c->sc->error, sizeof(c->sc->error), "%s:%d: %s", c->label, ret,
			 c->failed ? c->msg : "not an INI line (want key = value, [section] or ; comment)");
		return -1;
	}
	if (ret < 0) {
		snprintf(c->sc->error, sizeof(c->sc->error), "%s: cannot read", c->label);
		return -1;
	}
	return 0;
}

int bhb_scenario_parse(const char *text, const char *label, struct bhb_scenario *sc)
{
	struct ctx c = { .sc = sc, .label = label };

	bhb_scenario_defaults(sc);
	return finish(&c, ini_parse_string(text, handler, &c));
}

int bhb_scenario_load(const char *path, struct bhb_scenario *sc)
{
	struct ctx c = { .sc = sc, .label = path };
	FILE *f;
	int ret;

	bhb_scenario_defaults(sc);
	f = fopen(path, "r");
	if (!f) {
		snprintf(sc->error, sizeof(sc->error), "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = ini_parse_file(f, handler, &c);
	fclose(f);
	return finish(&c, ret);
}
