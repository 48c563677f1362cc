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
const char *const bhb_hog_names[] = { "none", "other", "fifo" };
const char *const bhb_dmv_mode_names[] = { "wq", "bh", "bh_bytes" };
const char *const bhb_dmv_load_names[] = { "rand4k", "seq512k" };
const char *const bhb_scen_type_names[BHB_NR_SCEN_TYPES] = {
	[BHB_SCEN_LATENCY] = "latency",
	[BHB_SCEN_HOTPLUG] = "hotplug",
	[BHB_SCEN_FUZZ] = "fuzz",
	[BHB_SCEN_CONTROL] = "control",
	[BHB_SCEN_DMVERITY] = "dm-verity",
	[BHB_SCEN_USB] = "usb-storage",
	[BHB_SCEN_SUITE] = "suite",
};

static const char *const pattern_names[] = { "periodic", "poisson" };
static const char *const start_names[] = { "staggered", "aligned" };

/* how a case key's value is read */
enum key_kind {
	K_NUM,		/* an integer from lo to hi, times scale */
	K_NAME,		/* one name of names[]: its index */
	K_CPUS,		/* a CPU list: a mask, 0 = all */
	K_LOAD,		/* softirq_load_us: PERIOD/COST, into noise_period_ns and noise_cost_ns */
};

struct case_key {
	const char *key;	/* in the INI */
	enum key_kind kind;
	size_t off, size;	/* its field of struct bhb_case_keys */
	uint64_t lo, hi, scale;
	int64_t dflt;
	const char *const *names;
	int nnames;
	const char *json;	/* its name in the case's JSON; NULL: another spelling of the row above */
	const char *unit;	/* what the value means, for the error message (NULL: a CPU) */
	int flags;
};

#define CK_CASE_ONLY	1	/* not a default a [scenario] may set */
#define CK_SIGNED	2	/* an int32_t field */

#define CK_FIELD(f) offsetof(struct bhb_case_keys, f), sizeof(((struct bhb_case_keys *)0)->f)
#define CK_NUM(k, f, lo, hi, scale, d, json, unit) \
	{ k, K_NUM, CK_FIELD(f), lo, hi, scale, d, NULL, 0, json, unit, (d) < 0 ? CK_SIGNED : 0 }
#define CK_NAME(k, f, table, n, d, json, flags) \
	{ k, K_NAME, CK_FIELD(f), 0, 0, 1, d, table, n, json, NULL, flags }

/*
 * The keys of a [case], and of the [scenario] as its cases' defaults:
 * parsing, defaults, the copy into each case, the error message's list
 * and the case's JSON all come from here.
 */
static const struct case_key case_keys[] = {
	CK_NAME("producer", producer, bhb_producer_names, BHB_NR_PRODUCERS, BHB_PROD_HARDIRQ, "producer", CK_CASE_ONLY),
	CK_NAME("pattern", poisson, pattern_names, 2, 0, "pattern", 0),
	CK_NAME("start", aligned, start_names, 2, 0, "start", 0),
	CK_NUM("burst", burst, 1, 4096, 1, 0, "burst", "arrivals per tick"),
	CK_NUM("period_us", period_ns, 1, 1000000, 1000, 100000, "period_ns", "microseconds"),
	CK_NUM("period_ns", period_ns, 1000, 1000000000, 1, 100000, NULL, "nanoseconds"),
	CK_NUM("cost_us", cost_ns, 0, 10000, 1000, 0, "cost_ns", "microseconds"),
	CK_NUM("cost_ns", cost_ns, 0, 10000000, 1, 0, NULL, "nanoseconds"),
	CK_NUM("touch_kb", touch_bytes, 0, BHB_MAX_TOUCH_BYTES / 1024, 1024, 0, "touch_bytes",
	       "kB each callback writes"),
	CK_NUM("items", items, 1, 10000000, 1, 2000, "items", "arrivals per CPU"),
	CK_NUM("inflight", inflight, 1, 4096, 1, 64, "inflight", "item slots per CPU"),
	{ "cpus", K_CPUS, CK_FIELD(cpus), 0, 63, 1, 0, NULL, 0, "cpus", NULL, 0 },
	CK_NUM("remote_cpu", remote_cpu, 0, 63, 1, -1, "remote_cpu", NULL),	/* NULL: a CPU */
	CK_NAME("hog", hog, bhb_hog_names, BHB_NR_HOGS, BHB_HOG_NONE, "hog", 0),
	{ "softirq_load_us", K_LOAD, CK_FIELD(noise_period_ns), 10, 1000000, 1000, 0, NULL, 0,
	  "softirq_load_period_ns", NULL, 0 },
	CK_NUM("repetitions", repetitions, 1, 1000, 1, 10, "repetitions", "runs"),
	CK_NAME("work", work, bhb_work_names, BHB_NR_CASE_WORKS, BHB_CASE_WORK_BUSY, "work", 0),
	CK_NAME("competitor", competitor, bhb_competitor_names, BHB_NR_COMPETITORS, BHB_COMP_TASKLET, "competitor", 0),
	CK_NAME("victim", victim, bhb_victim_names, BHB_NR_VICTIMS, BHB_VICTIM_NONE, "victim", 0),
};

#define NR_CASE_KEYS (sizeof(case_keys) / sizeof(case_keys[0]))

static void put_field(struct bhb_case_keys *k, const struct case_key *ck, uint64_t v)
{
	char *p = (char *)k + ck->off;

	if (ck->size == 8)
		memcpy(p, &v, 8);
	else {
		uint32_t w = (uint32_t)v;

		memcpy(p, &w, 4);
	}
}

static uint64_t get_field(const struct bhb_case_keys *k, const struct case_key *ck)
{
	const char *p = (const char *)k + ck->off;
	uint32_t w;
	uint64_t v;

	if (ck->size == 8) {
		memcpy(&v, p, 8);
		return v;
	}
	memcpy(&w, p, 4);
	return w;
}

static void case_defaults(struct bhb_case_keys *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < NR_CASE_KEYS; i++)
		put_field(k, &case_keys[i], (uint64_t)case_keys[i].dflt);
}

json_t *bhb_case_json(const struct bhb_case *cs)
{
	json_t *o = json_object();

	for (size_t i = 0; i < NR_CASE_KEYS; i++) {
		const struct case_key *ck = &case_keys[i];
		uint64_t v = get_field(&cs->k, ck);

		if (!ck->json)
			continue;
		if (ck->kind == K_NAME)
			json_object_set_new(o, ck->json, json_string(v < (uint64_t)ck->nnames ? ck->names[v] : "?"));
		else if (ck->flags & CK_SIGNED)
			json_object_set_new(o, ck->json, json_integer((int32_t)v));
		else
			json_object_set_new(o, ck->json, json_integer((json_int_t)v));
		if (ck->kind == K_LOAD)
			json_object_set_new(o, "softirq_load_cost_ns", json_integer(cs->noise_cost_ns));
	}
	return o;
}

void bhb_scenario_defaults(struct bhb_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "unnamed");
	sc->producers = 1u << BHB_PROD_HARDIRQ;
	sc->mechs = (1ull << BHB_NR_MECHS) - 1;
	case_defaults(&sc->dflt);
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
	sc->ops = 200;
	sc->busy_ops = 20;
	sc->dmv_modes = (1u << BHB_DMV_WQ) | (1u << BHB_DMV_BH);
	sc->dmv_loads = 1u << BHB_DMV_RAND4K;
	sc->data_mb = 64;
	sc->runtime_ms = 2000;
	sc->corrupt_check = 1;
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
	char tok[64];

	if (bhb_name_mask(table, n, v, mask, tok, sizeof(tok))) {
		char valid[256] = "";

		for (int k = 0; k < n; k++) {
			strncat(valid, table[k], sizeof(valid) - strlen(valid) - 1);
			strncat(valid, k + 1 < n ? ", " : "", sizeof(valid) - strlen(valid) - 1);
		}
		return bad(c, "%s: unknown name '%s' (valid: %s, all)", key, tok, valid);
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
	NK("warmup", 0, 100, 1, warmup, "rounds"),
	NK("drain_ms", 1, 60000, 1, drain_ms, "milliseconds"),
	NK("cycles", 1, 100000, 1, cycles, "offline/online cycles"),
	NK("torture", 0, 1, 1, torture, "0 or 1"),
	NK("offline_wait_ms", 1, 60000, 1, offline_wait_ms, "milliseconds"),
	NK("hyperfine", 0, 1, 1, hyperfine, "0 or 1"),
	NK("ops", 1, 10000, 1, ops, "control ops per repetition"),
	NK("busy_ops", 1, 10000, 1, busy_ops, "control ops on a busy item per repetition"),
	NK("requests", 1, 100000000, 1, requests, "requests"),
	NK("threads", 1, 16, 1, threads, "threads"),
	NK("lifecycle", 0, 100000, 1, lifecycle, "unload/load cycles"),
	NK("slab_slack_kb", 0, 1000000, 1, slab_slack_kb, "kB"),
	NK("data_mb", 8, 1024, 1, data_mb, "MiB"),
	NK("runtime_ms", 100, 600000, 1, runtime_ms, "milliseconds"),
	NK("corrupt_check", 0, 1, 1, corrupt_check, "0 or 1"),
};

/* a key of num_keys: 1 with *out parsed and scaled, 0 when bad (message set), -1 not such a key */
static int num_key(struct ctx *c, const char *key, const char *value, const struct num_key **found,
		   uint64_t *out)
{
	for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		const struct num_key *k = &num_keys[i];

		if (strcmp(key, k->key))
			continue;
		if (parse_u64(value, k->lo, k->hi, out))
			return bad(c, "%s = '%.60s': want an integer from %llu to %llu (%s)", key, value,
				   (unsigned long long)k->lo, (unsigned long long)k->hi, k->unit);
		*out *= k->scale;
		*found = k;
		return 1;
	}
	return -1;
}

static int one_name(struct ctx *c, const char *key, const char *v, const char *const *table, int n,
		    uint32_t *out)
{
	uint64_t m;

	if (!parse_names(c, key, v, table, n, &m))
		return 0;
	if (m & (m - 1))
		return bad(c, "%s: one name only, not '%s'", key, v);
	*out = (uint32_t)__builtin_ctzll(m);
	return 1;
}

/* "PERIOD/COST": a tasklet every PERIOD us, busy for COST us */
static int parse_load(struct ctx *c, const char *value, struct bhb_case_keys *k)
{
	unsigned long long per, cost;
	char tail;

	if (sscanf(value, "%llu/%llu%c", &per, &cost, &tail) != 2 || per < 10 || per > 1000000 ||
	    cost < 1 || cost > 1000 || cost >= per)
		return bad(c, "softirq_load_us = '%.60s': want PERIOD/COST in us, e.g. 1000/300 (10 <= PERIOD "
			   "<= 1000000, 1 <= COST <= 1000, COST < PERIOD)", value);
	k->noise_period_ns = per * 1000;
	k->noise_cost_ns = (uint32_t)(cost * 1000);
	return 1;
}

/* a key of case_keys[] into k: 1, 0 when bad (message set), -1 when not such a key */
static int case_key(struct ctx *c, const char *key, const char *value, struct bhb_case_keys *k, int in_case)
{
	const struct case_key *ck = NULL;
	uint32_t idx = 0;
	uint64_t m;

	for (size_t i = 0; i < NR_CASE_KEYS && !ck; i++)
		if (!strcmp(case_keys[i].key, key))
			ck = &case_keys[i];
	if (!ck || ((ck->flags & CK_CASE_ONLY) && !in_case))
		return -1;
	switch (ck->kind) {
	case K_NUM:
		if (parse_u64(value, ck->lo, ck->hi, &m) && !ck->unit)
			return bad(c, "%s = '%.60s': want a CPU from %llu to %llu", key, value,
				   (unsigned long long)ck->lo, (unsigned long long)ck->hi);
		if (parse_u64(value, ck->lo, ck->hi, &m))
			return bad(c, "%s = '%.60s': want an integer from %llu to %llu (%s)", key, value,
				   (unsigned long long)ck->lo, (unsigned long long)ck->hi, ck->unit);
		put_field(k, ck, m * ck->scale);
		return 1;
	case K_NAME:
		if (ck->nnames == 2) {	/* a choice of two */
			if (strcmp(value, ck->names[0]) && strcmp(value, ck->names[1]))
				return bad(c, "%s: '%s' is not %s or %s", key, value, ck->names[0], ck->names[1]);
			put_field(k, ck, !strcmp(value, ck->names[1]));
			return 1;
		}
		if (!one_name(c, key, value, ck->names, ck->nnames, &idx))
			return 0;
		put_field(k, ck, idx);
		return 1;
	case K_CPUS:
		return parse_cpus(c, value, &k->cpus);
	case K_LOAD:
		return parse_load(c, value, k);
	}
	return -1;
}

/* a [case NAME] section begins: the case starts from the scenario's values */
static struct bhb_case *case_for(struct ctx *c, const char *section)
{
	struct bhb_scenario *sc = c->sc;
	const char *name = section + 5;
	struct bhb_case *cs;

	if (sc->ncases && !strcmp(sc->cases[sc->ncases - 1].name, name))
		return &sc->cases[sc->ncases - 1];
	if (!*name || strlen(name) >= sizeof(cs->name) || strpbrk(name, " /\t"))
		return bad(c, "[%s]: a case name is 1-47 characters without spaces or '/'", section), NULL;
	for (uint32_t i = 0; i < sc->ncases; i++)
		if (!strcmp(sc->cases[i].name, name))
			return bad(c, "[%s]: a second case of that name", section), NULL;
	if (sc->ncases == BHB_MAX_CASES)
		return bad(c, "[%s]: at most %d cases", section, BHB_MAX_CASES), NULL;
	cs = &sc->cases[sc->ncases++];
	memset(cs, 0, sizeof(*cs));
	snprintf(cs->name, sizeof(cs->name), "%s", name);
	cs->k = sc->dflt;
	cs->producer = (uint32_t)__builtin_ctz(sc->producers);
	return cs;
}

static int case_handler(struct ctx *c, const char *section, const char *key, const char *value)
{
	struct bhb_case *cs = case_for(c, section);
	char list[400] = "";
	int r;

	if (!cs)
		return 0;
	r = case_key(c, key, value, &cs->k, 1);
	if (r >= 0)
		return r;
	for (size_t i = 0; i < NR_CASE_KEYS; i++)
		if (case_keys[i].json)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", *list ? ", " : "",
				 case_keys[i].key);
	return bad(c, "unknown key '%s' in [%s] (a case takes %s)", key, section, list);
}

static int suite_handler(struct ctx *c, const char *key, const char *value)
{
	struct bhb_scenario *sc = c->sc;
	char buf[1024], *save = NULL, *tok;

	sc->type = BHB_SCEN_SUITE;
	if (!strcmp(key, "name") || !strcmp(key, "description"))
		return -1;
	if (strcmp(key, "scenarios"))
		return bad(c, "unknown key '%s' in [suite] (name, description, scenarios)", key);
	if (strlen(value) >= sizeof(buf))
		return bad(c, "scenarios: list too long");
	snprintf(buf, sizeof(buf), "%s", value);
	sc->nmembers = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (sc->nmembers == BHB_MAX_SUITE)
			return bad(c, "scenarios: at most %d", BHB_MAX_SUITE);
		if (strlen(tok) >= sizeof(sc->members[0]))
			return bad(c, "scenarios: name '%.40s...' too long", tok);
		snprintf(sc->members[sc->nmembers++], sizeof(sc->members[0]), "%s", tok);
	}
	if (!sc->nmembers)
		return bad(c, "scenarios: empty list");
	return 1;
}

/* Debian's inih does not pass line numbers: ini_parse returns the first bad line. */
static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct ctx *c = user;
	struct bhb_scenario *sc = c->sc;
	uint64_t m;
	int r;

	if (c->failed)
		return 1;	/* report only the first problem */
	if (!strncmp(section, "case ", 5))
		return case_handler(c, section, key, value);
	if (!strcmp(section, "suite")) {
		r = suite_handler(c, key, value);
		if (r >= 0)
			return r;
	} else if (strcmp(section, "scenario")) {
		return bad(c, "unknown section [%s] ([scenario], [case NAME] or [suite])", section);
	} else if (sc->ncases) {
		return bad(c, "[scenario] after a [case]: the scenario's keys come first");
	}
	r = case_key(c, key, value, &sc->dflt, 0);
	if (r >= 0)
		return r;
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
	if (!strcmp(key, "type")) {
		int t = bhb_name_lookup(bhb_scen_type_names, BHB_SCEN_SUITE, value);
		char list[128] = "";

		if (t >= 0) {
			sc->type = (uint32_t)t;
			return 1;
		}
		for (int k = 0; k < BHB_SCEN_SUITE; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", bhb_scen_type_names[k],
				 k + 2 < BHB_SCEN_SUITE ? ", " : k + 1 < BHB_SCEN_SUITE ? " or " : "");
		return bad(c, "type: '%s' is not %s", value, list);
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
	if (!strcmp(key, "verify")) {
		if (!parse_names(c, key, value, bhb_dmv_mode_names, BHB_NR_DMV_MODES, &m))
			return 0;
		sc->dmv_modes = (uint32_t)m;
		return 1;
	}
	if (!strcmp(key, "io")) {
		if (!parse_names(c, key, value, bhb_dmv_load_names, BHB_NR_DMV_LOADS, &m))
			return 0;
		sc->dmv_loads = (uint32_t)m;
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
	const struct num_key *k = NULL;

	r = num_key(c, key, value, &k, &m);
	if (r == 0)
		return 0;
	if (r == 1) {
		if (k->is32)
			*(uint32_t *)((char *)sc + k->off) = (uint32_t)m;
		else
			*(uint64_t *)((char *)sc + k->off) = m;
		return 1;
	}
	return bad(c, "unknown key '%s' in [%s]", key, section);
}

/* what a case's work = and competitor = ask of its other keys (touch: 64 kB unless touch_kb says); 0, or bad() */
static int check_work(struct ctx *c, struct bhb_case *cs)
{
	if (cs->work == BHB_CASE_WORK_TOUCH && !cs->touch_bytes)
		cs->touch_bytes = 64 * 1024;
	if (cs->work >= BHB_CASE_WORK_HASH && cs->touch_bytes)
		return bad(c, "[case %s]: touch_kb goes with work = busy or touch, not %s", cs->name,
			   bhb_work_names[cs->work]);
	if (cs->victim != BHB_VICTIM_NONE && cs->hog != BHB_HOG_NONE)
		return bad(c, "[case %s]: a victim and a hog on the same CPU: choose one", cs->name);
	if (cs->competitor != BHB_COMP_TASKLET && !cs->noise_period_ns)
		return bad(c, "[case %s]: competitor = %s needs softirq_load_us = PERIOD/COST (how often, how long)",
			   cs->name, bhb_competitor_names[cs->competitor]);
	if ((cs->work == BHB_CASE_WORK_HASH || cs->work == BHB_CASE_WORK_PAYLOAD) &&
	    cs->inflight > BHB_MAX_HASH_INFLIGHT)
		return bad(c, "[case %s]: work = %s keeps a 4 kB page per item slot: inflight at most %u",
			   cs->name, bhb_work_names[cs->work], BHB_MAX_HASH_INFLIGHT);
	return 0;
}

/* after a clean parse: the implicit cases, and what only the whole file can tell */
static int complete(struct ctx *c)
{
	struct bhb_scenario *sc = c->sc;

	if (sc->type == BHB_SCEN_SUITE)
		return sc->nmembers ? 0 : bad(c, "[suite] without scenarios = ...");
	if (sc->ncases && sc->type != BHB_SCEN_LATENCY)
		return bad(c, "[case] sections belong to latency scenarios only");
	if (sc->type != BHB_SCEN_LATENCY)
		return 0;
	if (!sc->ncases) {
		for (int p = 0; p < BHB_NR_PRODUCERS; p++) {
			struct bhb_case *cs;
			char sec[64];

			if (!(sc->producers & (1u << p)))
				continue;
			snprintf(sec, sizeof(sec), "case %s", bhb_producer_names[p]);
			cs = case_for(c, sec);
			if (!cs)
				return -1;
			cs->producer = (uint32_t)p;
		}
	}
	for (uint32_t i = 0; i < sc->ncases; i++) {
		struct bhb_case *cs = &sc->cases[i];

		if (cs->burst > cs->inflight)
			return bad(c, "[case %s]: burst %u needs inflight >= burst (now %u)", cs->name, cs->burst,
				   cs->inflight);
		if ((uint64_t)cs->inflight * cs->cost_ns > BHB_MAX_BACKLOG_NS)
			return bad(c, "[case %s]: inflight x cost = %llu ms, more than the module's bound of 1 s",
				   cs->name, (unsigned long long)(cs->inflight * cs->cost_ns / 1000000));
		if (cs->producer == BHB_PROD_REMOTE && cs->remote_cpu >= 0 && cs->cpus &&
		    (cs->cpus & (1ull << cs->remote_cpu)))
			return bad(c, "[case %s]: remote_cpu %d is one of the producing cpus", cs->name, cs->remote_cpu);
		if ((sc->mechs & (1ull << BHB_MECH_DIRECT)) && cs->producer != BHB_PROD_PROCESS &&
		    cs->producer != BHB_PROD_PROCESS_BH) {
			uint64_t k = cs->burst ? cs->burst : 1, lim = cs->period_ns / 2;

			if (lim > 1000000)
				lim = 1000000;
			if (k * cs->cost_ns > lim || k * cs->touch_bytes > 1048576)
				return bad(c, "[case %s]: direct would run burst x cost = %llu us (or %llu kB) per tick "
					   "inside the timer; at most min(period / 2, 1 ms) and 1 MB: leave direct out "
					   "(mechanisms = ...)", cs->name, (unsigned long long)(k * cs->cost_ns / 1000),
					   (unsigned long long)(k * cs->touch_bytes / 1024));
		}
		if (cs->producer == BHB_PROD_REMOTE && !cs->cpus)
			return bad(c, "[case %s]: a remote producer needs cpus = (the producing CPUs, not all)", cs->name);
		check_work(c, cs);
		if (c->failed)
			return 0;
	}
	return 0;
}

static int finish(struct ctx *c, int ret)
{
	if (ret == 0 && (complete(c) || c->failed)) {
		snprintf(c->sc->error, sizeof(c->sc->error), "%s: %s", c->label, c->msg);
		return -1;
	}
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

/* inih calls nothing for a section without keys: count the [case] lines */
static uint32_t case_lines(const char *text)
{
	uint32_t n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "[case ", 6))
			n++;
	}
	return n;
}

int bhb_scenario_parse(const char *text, const char *label, struct bhb_scenario *sc)
{
	struct ctx c = { .sc = sc, .label = label };
	uint32_t explicit_cases = case_lines(text);

	bhb_scenario_defaults(sc);
	if (finish(&c, ini_parse_string(text, handler, &c)))
		return -1;
	if (explicit_cases && explicit_cases != sc->ncases) {
		snprintf(sc->error, sizeof(sc->error),
			 "%s: %u [case] sections but %u with keys: every case needs at least one key "
			 "(e.g. producer = hardirq)", label, explicit_cases, sc->ncases);
		return -1;
	}
	return 0;
}

int bhb_scenario_load(const char *path, struct bhb_scenario *sc)
{
	char *text = NULL;
	size_t cap = 0, len = 0;
	FILE *f;
	int ret;

	bhb_scenario_defaults(sc);
	f = fopen(path, "r");
	if (!f) {
		snprintf(sc->error, sizeof(sc->error), "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *more = realloc(text, cap = cap * 2 + 8192);

			if (!more) {
				free(text);
				fclose(f);
				snprintf(sc->error, sizeof(sc->error), "%s: out of memory", path);
				return -1;
			}
			text = more;
		}
		size_t n = fread(text + len, 1, 4096, f);

		len += n;
		if (n < 4096)
			break;
	}
	text[len] = 0;
	ret = ferror(f) ? -1 : 0;
	fclose(f);
	if (ret) {
		snprintf(sc->error, sizeof(sc->error), "%s: cannot read", path);
		free(text);
		return -1;
	}
	if (memchr(text, 0, len)) {
		snprintf(sc->error, sizeof(sc->error), "%s: not a text file (NUL byte)", path);
		free(text);
		return -1;
	}
	ret = bhb_scenario_parse(text, path, sc);
	free(text);
	return ret;
}
