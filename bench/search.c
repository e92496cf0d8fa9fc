/* Microseconds per search: the registry's search index (built once, as portlore serve does at start-up)
 * against the same search on a registry searched for the first time (every record's text read, the cost of
 * a one-shot `portlore search`). Usage: bench_search [REGISTRY-FILE] [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "portlore/registry.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int open_reg(const char *path, pl_registry **reg, pl_error *err)
{
	return path ? pl_registry_open_file(path, reg, err) : pl_registry_open_embedded(reg, err);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 && argv[1][0] ? argv[1] : NULL;
	int rounds = argc > 2 ? atoi(argv[2]) : 2000;
	static const char *const terms[] = {"a", "ssh", "http", "dns", "remote desktop", "mysql", "xyzzy", "secure shell"};
	pl_registry *reg;
	pl_error err = {0};
	if (open_reg(path, &reg, &err)) {
		fprintf(stderr, "bench_search: %s\n", err.msg);
		return 3;
	}
	double t0 = now();
	if (pl_registry_search_prepare(reg, &err)) {
		fprintf(stderr, "bench_search: %s\n", err.msg);
		return 3;
	}
	printf("index build: %.1f ms (%zu records)\n", (now() - t0) * 1e3, pl_registry_count(reg));
	static pl_hit hits[50];
	printf("%-16s %12s %12s %8s\n", "term", "indexed_us", "first_us", "total");
	for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		size_t total = 0;
		t0 = now();
		for (int r = 0; r < rounds; r++)
			pl_registry_search_ex(reg, terms[i], hits, 50, &total, &err);
		double indexed = (now() - t0) / rounds * 1e6;
		pl_registry *fresh;
		double first = 0;
		for (int r = 0; r < 20; r++) {
			open_reg(path, &fresh, &err);
			t0 = now();
			pl_registry_search_ex(fresh, terms[i], hits, 50, &total, &err);
			first += now() - t0;
			pl_registry_close(fresh);
		}
		printf("%-16s %12.1f %12.1f %8zu\n", terms[i], indexed, first / 20 * 1e6, total);
	}
	pl_registry_close(reg);
	return 0;
}
