// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the guest agent's parts that run anywhere: records sent
 * through its context decode back as frames, the repetition order, the
 * /proc and command-line parsing, the trace cross-check's pairing.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../agent/agent.h"
#include "../common/frame.h"
#include "../common/stats.h"

/* the whole of f from its start */
static char *slurp_file(FILE *f, size_t *len)
{
	long n;
	char *buf;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

/* send_json, send_raw, send_error and send_end into a file, decoded back */
static void test_send_decode(void **state)
{
	struct bhb_agent a = { .devfd = -1 };
	struct bhb_frames fr = { 0 };
	char *buf, *logbuf;
	size_t len, loglen;

	(void)state;
	a.chan.f = tmpfile();
	a.log = tmpfile();
	assert_non_null(a.chan.f);
	assert_non_null(a.log);
	send_json(&a, "hello", json_pack("{s:s,s:i}", "agent_version", "1", "abi_version", 7));
	send_raw(&a, "gbench", "{\"x\": NaN}", 10);
	send_error(&a, "something broke");
	send_json(&a, "run", json_pack("{s:i,s:[i,i]}", "seq", 1, "lat", 3, 4));
	send_end(&a, 2);
	assert_int_equal(a.chan.seq, 5);
	buf = slurp_file(a.chan.f, &len);
	bhb_frames_decode(buf, len, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_OK);
	assert_int_equal(fr.n, 4);
	assert_int_equal(fr.end_status, 2);
	assert_string_equal(fr.v[0].type, "hello");
	assert_string_equal(fr.v[0].payload, "{\"agent_version\":\"1\",\"abi_version\":7}");
	assert_string_equal(fr.v[1].type, "gbench");
	assert_string_equal(fr.v[1].payload, "{\"x\": NaN}");
	assert_string_equal(fr.v[2].type, "error");
	assert_string_equal(fr.v[2].payload, "{\"error\":\"something broke\"}");
	assert_string_equal(fr.v[3].type, "run");
	assert_string_equal(fr.v[3].payload, "{\"seq\":1,\"lat\":[3,4]}");
	for (size_t i = 0; i < fr.n; i++)
		assert_int_equal(fr.v[i].seq, i);
	/* the error went to the log as well, with the agent's prefix */
	logbuf = slurp_file(a.log, &loglen);
	assert_string_equal(logbuf, "bhbench-agent: error: something broke\n");
	bhb_frames_free(&fr);
	free(buf);
	free(logbuf);
	fclose(a.chan.f);
	fclose(a.log);
}

/* through a pipe, as to the guest's serial port: any fd works */
static void test_send_pipe(void **state)
{
	struct bhb_agent a = { .devfd = -1 };
	struct bhb_frames fr = { 0 };
	char buf[4096];
	ssize_t n;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	a.chan.f = fdopen(p[1], "w");
	a.log = stderr;
	send_json(&a, "cases", json_pack("{s:[]}", "cases"));
	send_end(&a, 0);
	fclose(a.chan.f);
	n = read(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_true(n > 0);
	bhb_frames_decode(buf, (size_t)n, &fr);
	assert_int_equal(fr.status, BHB_FRAMES_OK);
	assert_int_equal(fr.n, 1);
	assert_string_equal(fr.v[0].payload, "{\"cases\":[]}");
	bhb_frames_free(&fr);
}

/* the repetition order: seeded, and every benchmark as often as its repetitions */
static void test_rep_order(void **state)
{
	const unsigned int reps[] = { 3, 1, 5, 0, 2 };
	int a[16], b[16], c[16], count[5] = { 0 }, n, differs = 0;

	(void)state;
	n = bhb_rep_order(reps, 5, 42, a);
	assert_int_equal(n, 11);
	assert_int_equal(bhb_rep_order(reps, 5, 42, b), 11);
	assert_memory_equal(a, b, sizeof(int) * 11);
	for (int i = 0; i < n; i++) {
		assert_in_range(a[i], 0, 4);
		count[a[i]]++;
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(count[i], (int)reps[i]);
	/* another seed, another order (some seed of a few does differ) */
	for (uint64_t s = 1; s < 5; s++) {
		assert_int_equal(bhb_rep_order(reps, 5, s, c), 11);
		differs |= memcmp(a, c, sizeof(int) * 11) != 0;
	}
	assert_true(differs);
	/*
	 * the order the agent always drew for seed 42 (a Fisher-Yates shuffle
	 * over bhb_rand, inline in run_latency() before it had a name)
	 */
	{
		static const int want[11] = { 0, 1, 4, 2, 2, 2, 2, 2, 0, 0, 4 };

		assert_memory_equal(a, want, sizeof(want));
	}
	assert_int_equal(bhb_rep_order(reps, 0, 1, c), 0);
}

static void test_cmdline(void **state)
{
	const char *cl = "console=ttyS0 xbhbagent.seed=9 bhbagent.seed=17 bhbench.nr=4 bhbagent.quick=1\n";
	char val[8], params[64];

	(void)state;
	assert_string_equal(bhb_cmdline_get(cl, "bhbagent.seed", "1", val, sizeof(val)), "17");
	assert_string_equal(bhb_cmdline_get(cl, "bhbagent.quick", "0", val, sizeof(val)), "1");
	assert_string_equal(bhb_cmdline_get(cl, "bhbagent.trace", "0", val, sizeof(val)), "0");
	assert_null(bhb_cmdline_get(cl, "bhbagent.scenarios", NULL, val, sizeof(val)));
	assert_string_equal(bhb_cmdline_get("console=ttyS0123456789", "console", NULL, val, sizeof(val)),
			    "ttyS012");
	bhb_module_params(cl, params, sizeof(params));
	assert_string_equal(params, "nr=4 ");
	bhb_module_params("bhbench.a=1 bhbench.bb=2", params, sizeof(params));
	assert_string_equal(params, "a=1 bb=2 ");
}

static void test_proc_stat(void **state)
{
	const char *stat = "cpu  100 2 30 1000 5 6 7 8 0 0\ncpu0 50 1 15 500 2 3 3 4 0 0\n";
	unsigned long long busy, total;
	uint64_t b, irq, soft;

	(void)state;
	assert_int_equal(bhb_stat_idle(stat, &busy, &total), 0);
	assert_int_equal(total, 100 + 2 + 30 + 1000 + 5 + 6 + 7 + 8);
	assert_int_equal(busy, 100 + 2 + 30 + 6 + 7 + 8);
	assert_int_equal(bhb_stat_idle("intr 1 2 3", &busy, &total), -1);
	assert_int_equal(busy, 0);
	assert_int_equal(total, 0);
	assert_int_equal(bhb_stat_acct(stat, &b, &irq, &soft), 0);
	assert_int_equal(b, 100 + 2 + 30 + 6 + 7 + 8);
	assert_int_equal(irq, 6);
	assert_int_equal(soft, 7);
	/* seven columns (no steal) still count */
	assert_int_equal(bhb_stat_acct("cpu 1 1 1 9 9 2 3\n", &b, &irq, &soft), 0);
	assert_int_equal(b, 1 + 1 + 1 + 2 + 3);
	assert_int_equal(bhb_stat_acct("cpu 1 1 1 9 9 2\n", &b, &irq, &soft), -1);
}

static void test_softirqs(void **state)
{
	const char *text = "                    CPU0       CPU1\n"
			   "          HI:          5          1\n"
			   "       TIMER:      10000      20000\n"
			   "     TASKLET:        100         23\n"
			   "       SCHED:       7777       8888\n";

	(void)state;
	assert_int_equal(bhb_softirqs_tasklet(text), 5 + 1 + 100 + 23);
	assert_int_equal(bhb_softirqs_tasklet("nothing\n"), 0);
}

static void test_task_stat(void **state)
{
	char comm[32];
	unsigned long long ticks;

	(void)state;
	/* a comm with spaces and parentheses: the last ')' ends it */
	assert_int_equal(bhb_task_stat("42 (kworker/0:1 (x)) R 2 0 0 0 -1 69238880 0 0 0 0 17 25 0 0 20 0 1 0 9",
				       comm, sizeof(comm), &ticks), 0);
	assert_string_equal(comm, "kworker/0:1 (x)");
	assert_int_equal(ticks, 42);
	assert_int_equal(bhb_task_stat("42 no parens", comm, sizeof(comm), &ticks), -1);
}

static void test_preempt(void **state)
{
	char mode[32];

	(void)state;
	assert_int_equal(bhb_preempt_parse("none voluntary (full) lazy", mode, sizeof(mode)), 0);
	assert_string_equal(mode, "full");
	assert_int_equal(bhb_preempt_parse("none voluntary full", mode, sizeof(mode)), -1);
}

/* the pairing's record of text: not NULL, and its counts as named */
static json_t *pair(int mech, int vec, char *text, unsigned long long dropped, long long matched, long long uq,
		    long long ue, long long lost)
{
	char why[128];
	json_t *o = bhb_trace_pair(mech, vec, text, dropped, why, sizeof(why));

	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "matched")), matched);
	assert_int_equal(json_integer_value(json_object_get(o, "unmatched_queue")), uq);
	assert_int_equal(json_integer_value(json_object_get(o, "unmatched_exec")), ue);
	assert_int_equal(json_integer_value(json_object_get(o, "lost_events")), lost);
	return o;
}

static json_int_t jint(json_t *o, const char *k)
{
	assert_non_null(json_object_get(o, k));
	return json_integer_value(json_object_get(o, k));
}

/* work items: paired by pointer, foreign functions ignored, an unmatched queue counted */
static void test_trace_wq(void **state)
{
	char text[] =
		"# tracer: nop\n"
		"# entries-in-buffer/entries-written: 9/11   #P:2\n"
		"     kworker/0:1-42      [000] d..2.   100.000010: workqueue_queue_work: work struct=000000001111 "
		"function=bhb_work_fn workqueue=bhb_wq req_cpu=8192 cpu=0\n"
		"     kworker/0:1-42      [000] d..2.   100.000011: workqueue_activate_work: work struct 000000001111\n"
		"  my prog: 1-77          [001] d..2.   100.000012: workqueue_queue_work: work struct=000000002222 "
		"function=bhb_work_fn workqueue=bhb_wq req_cpu=8192 cpu=1\n"
		"     kworker/0:1-42      [000] d..2.   100.000013: workqueue_queue_work: work struct=000000003333 "
		"function=other_fn workqueue=events req_cpu=8192 cpu=0\n"
		"     kworker/0:1-42      [000] .....   100.000030: workqueue_execute_start: work struct 000000001111: "
		"function bhb_work_fn\n"
		"     kworker/1:1-43      [001] .....   100.000112: workqueue_execute_start: work struct 000000002222: "
		"function bhb_work_fn\n"
		"     kworker/1:1-43      [001] .....   100.000113: workqueue_execute_start: work struct 000000004444: "
		"function bhb_work_fn\n"
		"     kworker/0:1-42      [000] d..2.   100.000200: workqueue_queue_work: work struct=000000001111 "
		"function=bhb_work_fn workqueue=bhb_wq2 req_cpu=8192 cpu=0\n"
		"CPU:1 [LOST 3 EVENTS]\n"
		"garbage line\n";
	/* lost: written - in buffer, dropped, LOST lines */
	json_t *o = pair(BHB_MECH_WQ_PERCPU, -1, text, 4, 2, 1, 1, 2 + 4 + 3), *h, *gap, *wqs;

	(void)state;
	assert_int_equal(jint(o, "trace_lines"), 8);
	assert_int_equal(jint(o, "negative"), 0);
	h = json_object_get(o, "hist");
	assert_int_equal(json_array_size(h), 4);	/* 20 us and 100 us: two buckets */
	assert_int_equal(json_integer_value(json_array_get(h, 0)), bhb_hist_index(20000));
	assert_int_equal(json_integer_value(json_array_get(h, 2)), bhb_hist_index(100000));
	gap = json_object_get(o, "event_gap");
	assert_int_equal(json_array_size(gap), 2);
	assert_int_equal(json_integer_value(json_array_get(gap, 0)), bhb_hist_index(1000));
	assert_int_equal(json_integer_value(json_array_get(gap, 1)), 1);
	wqs = json_object_get(o, "workqueues");
	assert_int_equal(json_array_size(wqs), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "events"), 0)),
			    "workqueue:workqueue_queue_work");
	assert_null(json_object_get(o, "vec"));
	json_decref(o);
}

/* tasklets: raises wait per CPU, a softirq round takes them, foreign tasklets consume one */
static void test_trace_tasklet(void **state)
{
	char text[] =
		"# entries-in-buffer/entries-written: 8/8   #P:2\n"
		"  <idle>-0  [000] d.h1.  5.000001: softirq_raise: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [000] d.h1.  5.000002: softirq_raise: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [001] d.h1.  5.000003: softirq_raise: vec=1 [action=TIMER]\n"
		"  <idle>-0  [000] ..s1.  5.000010: softirq_entry: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [000] ..s1.  5.000011: tasklet_entry: tasklet=0000000077 function=other_tasklet\n"
		"  <idle>-0  [000] ..s1.  5.000012: tasklet_entry: tasklet=0000000088 function=bhb_tasklet_fn\n"
		"  <idle>-0  [000] ..s1.  5.000013: softirq_exit: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [001] d.h1.  5.000020: softirq_raise: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [001] ..s1.  5.000030: softirq_entry: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [001] ..s1.  5.000031: softirq_exit: vec=6 [action=TASKLET]\n"
		"  <idle>-0  [001] ..s1.  5.000040: tasklet_entry: tasklet=0000000088 function=bhb_tasklet_fn\n";
	/*
	 * CPU 0: the foreign tasklet takes the first raise, ours the second
	 * (10 us); CPU 1: its raise was left at the round's exit, the late
	 * tasklet finds none
	 */
	json_t *o = pair(BHB_MECH_TASKLET, 6, text, 0, 1, 1, 1, 0), *h;

	(void)state;
	assert_int_equal(jint(o, "foreign_tasklets"), 1);
	assert_int_equal(jint(o, "vec"), 6);
	h = json_object_get(o, "hist");
	assert_int_equal(json_array_size(h), 2);
	assert_int_equal(json_integer_value(json_array_get(h, 0)), bhb_hist_index(10000));
	assert_null(json_object_get(o, "event_gap"));
	assert_int_equal(json_array_size(json_object_get(o, "events")), 4);
	json_decref(o);
}

/* veritysetup format's report: the root hash, and nothing from a report without one */
static void test_verity_root(void **state)
{
	const char *out = "VERITY header information for /dev/ram1\nUUID:            \t\nHash type:       \t1\n"
			  "Data blocks:     \t4096\nSalt:            \t62686263\n"
			  "Root hash:      \t3a6f0c1e2b9d8f7a6e5d4c3b2a190817263544536271809fa1b2c3d4e5f60718\n";
	char root[128];

	(void)state;
	assert_int_equal(bhb_verity_root_hash(out, root, sizeof(root)), 0);
	assert_string_equal(root, "3a6f0c1e2b9d8f7a6e5d4c3b2a190817263544536271809fa1b2c3d4e5f60718");
	assert_int_equal(bhb_verity_root_hash("Salt: 00\n", root, sizeof(root)), -1);
	assert_int_equal(bhb_verity_root_hash("Root hash: xyz\n", root, sizeof(root)), -1);
	assert_int_equal(bhb_verity_root_hash(out, root, 16), -1);
}

/* a hist trigger's output: each line by its context, and the total must agree */
static void test_where(void **state)
{
	const char *hist =
		"# event histogram\n#\n# trigger info: hist:keys=common_pid.execname,common_flags:vals=hitcount:"
		"sort=hitcount:size=256 [active]\n#\n\n"
		"{ common_pid: kworker/1:1H    [        57], common_flags:          0 } hitcount:        300\n"
		"{ common_pid: ld-linux-x86-64 [       201], common_flags:         16 } hitcount:         40\n"
		"{ common_pid: ksoftirqd/1     [        20], common_flags:         17 } hitcount:          5\n"
		"{ common_pid: ld-linux-x86-64 [       201], common_flags:          1 } hitcount:          7\n"
		"{ common_pid: swapper/0       [         0], common_flags:          9 } hitcount:          2\n"
		"\nTotals:\n    Hits: 354\n    Entries: 5\n    Dropped: 0\n";
	struct bhb_where w;
	char *bad = strdup(hist);

	(void)state;
	assert_int_equal(bhb_where_parse(hist, &w), 0);
	assert_int_equal(w.kworker, 300);
	assert_int_equal(w.softirq, 40);
	assert_int_equal(w.ksoftirqd, 5);
	assert_int_equal(w.task, 7);
	assert_int_equal(w.hardirq, 2);
	assert_int_equal(w.events, 354);
	/* a line lost (or a total that disagrees) is not a count */
	memcpy(strstr(bad, "Hits: 354"), "Hits: 355", 9);
	assert_int_equal(bhb_where_parse(bad, &w), -1);
	assert_int_equal(bhb_where_parse("# nothing\n", &w), -1);
	free(bad);
}

/* fio's JSON: the job with its reads, or why not */
static void test_fio_job(void **state)
{
	const char *ok = "note: both iodepth >= 1 and synchronous I/O engine are selected\n"
			 "{\"fio version\" : \"fio-3.33\", \"jobs\" : [ { \"jobname\" : \"bhb\", \"error\" : 0, "
			 "\"read\" : { \"total_ios\" : 1234, \"bw_bytes\" : 5000000, \"iops\" : 1220.5, "
			 "\"clat_ns\" : { \"percentile\" : { \"99.000000\" : 81920 } } } } ] }\n";
	const char *err = "{\"fio version\" : \"fio-3.33\", \"jobs\" : [ { \"error\" : 5, \"read\" : {} } ] }";
	char why[128];
	json_t *j;

	(void)state;
	j = bhb_fio_job(ok, why, sizeof(why));
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "read"), "total_ios")), 1234);
	assert_string_equal(json_string_value(json_object_get(j, "fio_version")), "fio-3.33");
	json_decref(j);
	assert_null(bhb_fio_job(err, why, sizeof(why)));
	assert_non_null(strstr(why, "error 5"));
	assert_null(bhb_fio_job("fio: failed to open /dev/x\n", why, sizeof(why)));
	assert_null(bhb_fio_job("{\"jobs\" : [ ] }", why, sizeof(why)));
	assert_null(bhb_fio_job("{\"jobs\" : [ { \"read\" : 1 ", why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_decode),
		cmocka_unit_test(test_send_pipe),
		cmocka_unit_test(test_rep_order),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_proc_stat),
		cmocka_unit_test(test_softirqs),
		cmocka_unit_test(test_task_stat),
		cmocka_unit_test(test_preempt),
		cmocka_unit_test(test_trace_wq),
		cmocka_unit_test(test_trace_tasklet),
		cmocka_unit_test(test_verity_root),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_fio_job),
	};

	return cmocka_run_group_tests_name("agent", tests, NULL, NULL);
}
