// SPDX-License-Identifier: GPL-2.0
#include "gbw.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

struct gbw_state {
	benchmark::State *st;
};

int gbw_register(const char *name, gbw_fn fn, void *arg, int repetitions)
{
	if (!name || !fn || repetitions < 1)
		return -1;
	benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &st) {
		gbw_state s{&st};
		fn(&s, arg);
	})->Iterations(1)->Repetitions(repetitions)->UseManualTime()->Unit(benchmark::kMicrosecond);
	return 0;
}

int gbw_keep_running(gbw_state *s)
{
	return s->st->KeepRunning() ? 1 : 0;
}

void gbw_set_iteration_time(gbw_state *s, double seconds)
{
	s->st->SetIterationTime(seconds);
}

void gbw_counter(gbw_state *s, const char *name, double value)
{
	s->st->counters[name] = benchmark::Counter(value);
}

void gbw_skip_with_error(gbw_state *s, const char *msg)
{
	s->st->SkipWithError(msg);
}

void gbw_add_context(const char *key, const char *value)
{
	benchmark::AddCustomContext(key, value);
}

int gbw_run(const char *json_path)
{
	std::vector<std::string> args = {
		"bhbench-agent",
		std::string("--benchmark_out=") + json_path,
		"--benchmark_out_format=json",
		"--benchmark_enable_random_interleaving=false",
	};
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(&a[0]);
	int argc = static_cast<int>(argv.size());
	argv.push_back(nullptr);
	benchmark::Initialize(&argc, argv.data());
	if (benchmark::ReportUnrecognizedArguments(argc, argv.data()))
		return -1;
	size_t n = benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return static_cast<int>(n);
}
