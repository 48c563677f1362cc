/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gbw: a small C interface to Google Benchmark.
 *
 * Register benchmarks whose every iteration is timed by the caller
 * (manual time), attach counters, and run them all in the order registered
 * with Google Benchmark's JSON output.
 */
#ifndef BHB_GBW_H
#define BHB_GBW_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gbw_state gbw_state;
typedef void (*gbw_fn)(gbw_state *st, void *arg);

/* One iteration per repetition; repetitions >= 1. Returns 0 or -1. */
int gbw_register(const char *name, gbw_fn fn, void *arg, int repetitions);
/* the usual loop: while (gbw_keep_running(st)) { ... } */
int gbw_keep_running(gbw_state *st);
void gbw_set_iteration_time(gbw_state *st, double seconds);
void gbw_counter(gbw_state *st, const char *name, double value);
void gbw_skip_with_error(gbw_state *st, const char *msg);
/* a key and value for the "context" of the JSON output */
void gbw_add_context(const char *key, const char *value);
/*
 * Run everything registered, in the order registered: Google Benchmark's
 * random interleaving (an unseeded std::random_device) stays off, the
 * caller draws its own order from a seed.  JSON goes to json_path.
 * Returns the number of benchmarks run, or -1.
 */
int gbw_run(const char *json_path);

#ifdef __cplusplus
}
#endif
#endif
