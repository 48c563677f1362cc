/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenarios are INI files in configs/.  The host validates a scenario
 * before any VM boots; the agent reads the same file in the guest.
 */
#ifndef BHB_SCENARIO_H
#define BHB_SCENARIO_H

#include <stdint.h>
#include <jansson.h>

/* A CPU hog on every producing CPU while a case runs. */
enum { BHB_HOG_NONE, BHB_HOG_OTHER, BHB_HOG_FIFO, BHB_NR_HOGS };
extern const char *const bhb_hog_names[];

/*
 * What a case of a latency scenario sets: a producer and a load, run for
 * every mechanism.  Each field is set by a key of the table in
 * scenario.c (case_keys[]), which also gives its default, its range, its
 * name in the case's JSON and the list in the error message; a [scenario]
 * sets the defaults of its cases with the same keys.  A new key is a
 * field here and a line there (and its use in the agent).
 */
#define BHB_CASE_FIELDS							\
	uint32_t producer;	/* enum bhb_producer_id */		\
	uint32_t burst;		/* arrivals per tick, due at once */	\
	uint32_t poisson;	/* 1: exponential gaps of mean period_ns */ \
	uint32_t aligned;	/* 1: producing CPUs' ticks at the same times */ \
	uint32_t items;		/* arrivals per producing CPU */	\
	uint32_t inflight;	/* item slots per producing CPU */	\
	uint32_t touch_bytes;	/* memory each callback writes */	\
	uint32_t repetitions;						\
	uint32_t hog;		/* BHB_HOG_* on the producing CPUs */	\
	int32_t remote_cpu;	/* remote producer's target; -1 = first CPU not producing */ \
	uint64_t period_ns, cost_ns;					\
	uint64_t cpus;		/* producing CPUs; 0 = every online CPU */ \
	uint64_t noise_period_ns;	/* competing softirq load: a tasklet every ... */ \
	uint32_t noise_cost_ns;		/* ... busy this long; 0/0 = none */ \
	uint32_t work;		/* BHB_CASE_WORK_*: what each callback does */ \
	uint32_t competitor;	/* enum bhb_competitor: the competing load's kind */ \
	uint32_t victim;	/* BHB_VICTIM_*: a task on the producing CPU that pays for the load */

struct bhb_case_keys {
	BHB_CASE_FIELDS
};

/* A scenario without [case NAME] sections has one case per producer it names, called after the producer. */
struct bhb_case {
	char name[48];
	union {
		struct bhb_case_keys k;
		struct {
			BHB_CASE_FIELDS
		};
	};
};

#define BHB_MAX_CASES		32
#define BHB_MAX_SUITE		16

struct bhb_scenario {
	char name[64];
	char description[256];
	uint32_t producers;	/* bit per enum bhb_producer_id */
	uint64_t mechs;		/* bit per enum bhb_mech_id */
	/* the defaults of the cases' keys (items, period_ns, ...: also what hotplug and control use) */
	union {
		struct bhb_case_keys dflt;
		struct {
			BHB_CASE_FIELDS
		};
	};
	uint32_t warmup;	/* untimed rounds before the timed ones */
	uint32_t drain_ms;	/* bound on waiting for stragglers */
	/* type = hotplug */
	uint32_t type;		/* BHB_SCEN_LATENCY or BHB_SCEN_HOTPLUG */
	int32_t hp_cpu;		/* CPU taken offline; -1 = the last online one */
	uint32_t counts[16];	/* pending items per cycle (K) */
	uint32_t ncounts;
	uint32_t modes;		/* bit per enum bhb_hp_mode */
	uint32_t cycles;	/* offline/online cycles per mode x K x mechanism */
	uint32_t torture;	/* 1: random K, mode and mechanism each cycle */
	uint32_t offline_wait_ms; /* wait for stragglers while the CPU is offline */
	uint32_t hyperfine;	/* 1: also time the offline with hyperfine, per mechanism */
	/* type = control */
	uint32_t ops;		/* idle ops (and coalescing / self-free checks) per repetition */
	uint32_t busy_ops;	/* ops on a busy item per repetition */
	/* type = fuzz */
	uint32_t requests;	/* hostile requests in all */
	uint32_t threads;	/* issuing them concurrently */
	uint32_t lifecycle;	/* module unload/load cycles afterwards */
	uint32_t slab_slack_kb;	/* allowed slab growth after unloading */
	/* type = dm-verity: fio reads of a verity device over brd ramdisks (usb-storage: io, data_mb, runtime_ms) */
	uint32_t dmv_modes;	/* bit per enum bhb_dmv_mode: where verification is asked to run */
	uint32_t dmv_loads;	/* bit per enum bhb_dmv_load */
	uint32_t data_mb;	/* the data device (the hash device is as large: brd has one size) */
	uint32_t runtime_ms;	/* each fio run */
	uint32_t corrupt_check;	/* 1: a corrupted data block must read as EIO, after the runs */
	/* kernel splats whose headline contains one of these are findings, not failures */
	char expected_warnings[256];
	/* type = latency: the cases */
	struct bhb_case cases[BHB_MAX_CASES];
	uint32_t ncases;
	/* type = suite: the scenarios it runs in one boot, by name */
	char members[BHB_MAX_SUITE][64];
	uint32_t nmembers;
	char error[512];	/* "file:line: what" after a failed load */
};

/* a scenario's type = (the kinds; a [suite] section makes the last) */
enum {
	BHB_SCEN_LATENCY, BHB_SCEN_HOTPLUG, BHB_SCEN_FUZZ, BHB_SCEN_CONTROL, BHB_SCEN_DMVERITY,
	BHB_SCEN_USB, BHB_SCEN_SUITE, BHB_NR_SCEN_TYPES
};
extern const char *const bhb_scen_type_names[BHB_NR_SCEN_TYPES];

/* a type whose boots merge and whose runs compare (--boots, merge, compare, ab) */
static inline int bhb_scenario_comparable(uint32_t type)
{
	return type == BHB_SCEN_LATENCY || type == BHB_SCEN_SUITE || type == BHB_SCEN_DMVERITY || type == BHB_SCEN_USB;
}
extern const char *const bhb_hp_mode_names[];

/*
 * dm-verity's verification modes: wq, the kverityd workqueue (the
 * default); bh, try_verify_in_tasklet (a tasklet up to 6.8, BH work from
 * 6.9); bh_bytes, bh with use_bh_bytes raised to every I/O size (6.15+:
 * BH verification is otherwise limited by size; n/a before).
 */
enum bhb_dmv_mode { BHB_DMV_WQ, BHB_DMV_BH, BHB_DMV_BH_BYTES, BHB_NR_DMV_MODES };
extern const char *const bhb_dmv_mode_names[];
/* the loads: rand4k, random 4 KiB O_DIRECT reads; seq512k, sequential 512 KiB ones */
enum bhb_dmv_load { BHB_DMV_RAND4K, BHB_DMV_SEQ512K, BHB_NR_DMV_LOADS };
extern const char *const bhb_dmv_load_names[];

void bhb_scenario_defaults(struct bhb_scenario *sc);
/* 0 on success; -1 with sc->error set ("label:line: message") */
int bhb_scenario_load(const char *path, struct bhb_scenario *sc);
int bhb_scenario_parse(const char *text, const char *label, struct bhb_scenario *sc);
/* a case's keys as JSON, by the names of scenario.c's table (the agent adds what it resolved) */
json_t *bhb_case_json(const struct bhb_case *cs);

#endif
