/* portlore update [--from FILE|URL] [--force]: fetch IANA's registry (its official XML by default),
 * check it is plausible, and replace the update cache atomically. Until it succeeds, the registry in use
 * stays exactly as it was. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"

#define IANA_XML_URL "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xml"
#define MAX_DOWNLOAD (32u << 20)

static const struct option opts[] = {
	{"from", required_argument, NULL, 'f'}, {"force", no_argument, NULL, 'F'},
	CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0},
};

static int draw_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (total > 0) {
		int width = 30, fill = (int)(done * (uint64_t)width / total);
		fprintf(stderr, "\r[%.*s%*s] %3d%% %.1f/%.1f MB", fill, "==============================", width - fill, "",
			(int)(done * 100 / total), done / 1e6, total / 1e6);
	} else {
		fprintf(stderr, "\r%.1f MB", done / 1e6);
	}
	return 0;
}

/* What the lookups use now: the cache if it opens, else the snapshot. */
static pl_registry *current_registry(const char **origin)
{
	char path[4096];
	pl_registry *reg = NULL;
	pl_error err = {0};
	*origin = "embedded snapshot";
	if (cli_cache_path(path, sizeof path) == 0 && access(path, F_OK) == 0 && pl_registry_open_file(path, &reg, &err) == 0) {
		*origin = "cache";
		return reg;
	}
	if (pl_registry_open_embedded(&reg, &err))
		return NULL;
	return reg;
}

int cmd_update(int argc, char **argv, cli_ctx *ctx)
{
	const char *from = IANA_XML_URL;
	bool force = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_print_help("update");
		case 'f':
			from = optarg;
			break;
		case 'F':
			force = true;
			break;
		case '?':
		case ':':
			return cli_usage_error(ctx, "update", "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		default:
			if (cli_common_option(c, optarg, ctx) > 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "update", "unexpected argument '%s'", argv[optind]);
	if (!*from)
		return cli_usage_error(ctx, "update", "--from needs a file or an http(s) URL");
	char cache[4096];
	if (cli_cache_path(cache, sizeof cache))
		return cli_usage_error(ctx, NULL, "no cache folder: set XDG_CACHE_HOME or HOME");

	pl_error err = {0};
	pl_registry *fresh = NULL;
	if (pl_fetch_is_url(from)) {
		pl_fetch_opts fo = {.connect_timeout_s = 20, .total_timeout_s = 300, .max_bytes = MAX_DOWNLOAD};
		if (isatty(STDERR_FILENO)) {
			fo.progress = draw_progress;
			{
			char *safe = pl_term_escape(from, strlen(from), 0); /* a URL is anyone's text */
			fprintf(stderr, "downloading %s\n", safe ? safe : "?");
			free(safe);
		}
		}
		char *data;
		size_t len;
		int rc = pl_fetch(from, &fo, &data, &len, &err);
		if (fo.progress)
			fputc('\n', stderr);
		if (rc) {
			cli_error(ctx, "%s; the registry in use is unchanged", err.msg);
			return EXIT_RUNTIME;
		}
		rc = pl_registry_open_buffer(data, len, from, &fresh, &err);
		free(data);
		if (rc) {
			cli_error(ctx, "%s; the registry in use is unchanged", err.msg);
			return EXIT_RUNTIME;
		}
	} else if (pl_registry_open_file(from, &fresh, &err)) {
		cli_error(ctx, "%s; the registry in use is unchanged", err.msg);
		return EXIT_RUNTIME;
	}

	const char *origin;
	pl_registry *cur = current_registry(&origin);
	int rc = EXIT_FOUND;
	if (cur && !force) {
		/* A download cut short can still parse: refuse one that lost half the records, or that goes back in time. */
		if (pl_registry_count(fresh) * 2 < pl_registry_count(cur)) {
			cli_error(ctx, "%s has %zu records, the %s in use %zu: implausibly few, not used "
					"(--force to take it anyway)",
				from, pl_registry_count(fresh), origin, pl_registry_count(cur));
			rc = EXIT_RUNTIME;
		} else if (*pl_registry_date(fresh) && *pl_registry_date(cur) &&
			   strcmp(pl_registry_date(fresh), pl_registry_date(cur)) < 0) {
			/* (An undated registry, such as IANA's CSV, cannot be said to be older.) */
			cli_error(ctx, "%s is dated %s, older than the %s in use (%s): not used (--force to take it)",
				from, *pl_registry_date(fresh) ? pl_registry_date(fresh) : PL_UNDATED, origin,
				pl_registry_date(cur));
			rc = EXIT_RUNTIME;
		}
	}
	if (rc == EXIT_FOUND) {
		if (pl_cache_write(cache, fresh, &err)) {
			cli_error(ctx, "%s; the registry in use is unchanged", err.msg);
			rc = EXIT_RUNTIME;
		} else {
			cli_printf("registry updated: IANA as of %s, %zu records, %zu people (%s)",
			       *pl_registry_date(fresh) ? pl_registry_date(fresh) : PL_UNDATED, pl_registry_count(fresh),
			       pl_registry_people_count(fresh), pl_registry_source(fresh));
			cli_printf("  -> %s", cache);
			if (cur)
				cli_printf("  replaces the %s of %s (%zu records)", origin,
					   *pl_registry_date(cur) ? pl_registry_date(cur) : PL_UNDATED,
				       pl_registry_count(cur));
		}
	}
	pl_registry_close(cur);
	pl_registry_close(fresh);
	if (rc == EXIT_FOUND)
		rc = cli_flush(ctx) ? EXIT_RUNTIME : EXIT_FOUND;
	return rc;
}
