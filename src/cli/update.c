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

/* What replacing cur by fresh would add and lose, so that a refusal (or a warning) says what is at stake:
 * people and references only IANA's XML has, records either side lacks, and the newer assignments merged
 * on top of IANA's file (pl_record.source) that fresh does not have. */
struct stake {
	size_t added, removed, changed;
	size_t people_added, people_removed;
	size_t refs_fresh, refs_cur;
	size_t lost_merged;
	char lost[512];
};

static int count_diff(const pl_diff *d, void *ctx)
{
	struct stake *s = ctx;
	if (d->kind == PL_DIFF_ADDED)
		s->added++;
	else if (d->kind == PL_DIFF_REMOVED)
		s->removed++;
	else
		s->changed++;
	if (d->kind == PL_DIFF_REMOVED && *d->before->source && *d->before->name) {
		char one[96];
		snprintf(one, sizeof one, "%s%s %u/%s", s->lost_merged ? ", " : "", d->before->name, d->before->port_lo,
			 pl_proto_name(d->before->proto));
		if (strlen(s->lost) + strlen(one) + 8 < sizeof s->lost)
			strcat(s->lost, one);
		else if (!strstr(s->lost, ", ..."))
			strcat(s->lost, ", ...");
		s->lost_merged++;
	}
	return 0;
}

static int count_people(const pl_person_diff *d, void *ctx)
{
	struct stake *s = ctx;
	s->people_added += d->kind == PL_DIFF_ADDED;
	s->people_removed += d->kind == PL_DIFF_REMOVED;
	return 0;
}

static size_t with_refs(const pl_registry *reg)
{
	size_t n = 0;
	for (size_t i = 0; i < pl_registry_count(reg); i++) {
		pl_record r;
		n += pl_registry_record(reg, i, &r) == 0 && pl_record_ref_count(&r) > 0;
	}
	return n;
}

static void weigh(const pl_registry *cur, const pl_registry *fresh, struct stake *s)
{
	memset(s, 0, sizeof *s);
	pl_registry_diff(cur, fresh, count_diff, s, NULL);
	pl_registry_diff_people(cur, fresh, count_people, s, NULL);
	s->refs_fresh = with_refs(fresh);
	s->refs_cur = with_refs(cur);
}

static void print_stake(const struct stake *s, const char *origin)
{
	fprintf(stderr, "  it would add: %zu records, %zu people, references on %zu records (the %s has them on %zu)\n",
		s->added, s->people_added, s->refs_fresh, origin, s->refs_cur);
	fprintf(stderr, "  it would lose: %zu records, %zu people", s->removed, s->people_removed);
	if (s->lost_merged)
		fprintf(stderr, ", among them %zu newer assignment%s merged on top of IANA's file (%s)", s->lost_merged,
			s->lost_merged == 1 ? "" : "s", s->lost);
	fprintf(stderr, "\n  and change %zu records\n", s->changed);
}

int cmd_update(int argc, char **argv, cli_ctx *ctx)
{
	const char *from = IANA_XML_URL;
	bool force = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
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
			if (rc != PL_ELIMIT)
				cli_error(ctx, "without a network, fetch %s elsewhere and run 'portlore update --from FILE'",
					  from);
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
	const char *fdate = pl_registry_date(fresh), *cdate = cur ? pl_registry_date(cur) : "";
	struct stake st = {0};
	if (cur)
		weigh(cur, fresh, &st);
	if (cur && !force) {
		/* A download cut short can still parse: refuse one that lost half the records, or that goes back in
		 * time. Dates compared are IANA's own <updated> dates on both sides (a merged source's publication
		 * date is never the registry's date), so like is compared with like. */
		if (pl_registry_count(fresh) * 2 < pl_registry_count(cur)) {
			cli_error(ctx, "%s has %zu records, the %s in use %zu: implausibly few, not used "
					"(--force to take it anyway)",
				from, pl_registry_count(fresh), origin, pl_registry_count(cur));
			rc = EXIT_RUNTIME;
		} else if (!*fdate && *cdate) {
			/* IANA's CSV carries no date: it cannot be shown newer, so it never silently replaces a dated one */
			cli_error(ctx, "%s is undated (IANA's CSV carries no date), the %s in use is IANA's of %s: "
					"not used (--force to take it)",
				from, origin, cdate);
			print_stake(&st, origin);
			rc = EXIT_RUNTIME;
		} else if (*fdate && *cdate && strcmp(fdate, cdate) < 0) {
			cli_error(ctx, "%s is IANA's registry as of %s, older than the %s in use (IANA as of %s): "
					"not used (--force to take it)",
				from, fdate, origin, cdate);
			print_stake(&st, origin);
			rc = EXIT_RUNTIME;
		} else if (*fdate && strcmp(fdate, cdate) == 0 && st.lost_merged) {
			cli_error(ctx, "%s is IANA's registry as of %s, the release the %s in use is built on; taking "
					"it would only drop the newer assignments merged on top: not used (--force to take it)",
				from, fdate, origin);
			print_stake(&st, origin);
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
			if (cur && st.lost_merged)
				cli_error(ctx, "note: it lacks %zu newer assignment%s the %s had from a packaged source (%s)",
					  st.lost_merged, st.lost_merged == 1 ? "" : "s", origin, st.lost);
		}
	}
	pl_registry_close(cur);
	pl_registry_close(fresh);
	if (rc == EXIT_FOUND)
		rc = cli_flush(ctx) ? EXIT_RUNTIME : EXIT_FOUND;
	return rc;
}
