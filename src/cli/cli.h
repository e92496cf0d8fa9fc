/* The command-line front end: a table of subcommands (after tmux's cmd-*.c), each a file with its
 * usage line and handler. The front end owns the process: argv, environment, stdout/stderr, exit codes. */
#ifndef PL_CLI_H
#define PL_CLI_H

#include <stdbool.h>

#include "portlore/registry.h"
#include "portlore/render.h"

#define PORTLORE_VERSION "0.1.0"

enum { EXIT_FOUND = 0, EXIT_NOTHING = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

typedef struct cli_ctx {
	const char *registry_path; /* --registry FILE */
	bool json;
	int colour;                /* -1 auto, 0 never, 1 always */
	bool no_local;
	bool no_probe;             /* --no-probe: do not ask this host's listeners what they speak */
	const char *prog;
} cli_ctx;

typedef struct cli_cmd {
	const char *name;
	const char *usage; /* after "portlore NAME ": matches docs/portlore.1 */
	const char *summary;
	int (*run)(int argc, char **argv, cli_ctx *ctx);
} cli_cmd;

int cmd_show(int argc, char **argv, cli_ctx *ctx);
int cmd_search(int argc, char **argv, cli_ctx *ctx);
int cmd_diff(int argc, char **argv, cli_ctx *ctx);
int cmd_ghosts(int argc, char **argv, cli_ctx *ctx);
int cmd_update(int argc, char **argv, cli_ctx *ctx);
int cmd_ls(int argc, char **argv, cli_ctx *ctx);
int cmd_check(int argc, char **argv, cli_ctx *ctx);
int cmd_pick(int argc, char **argv, cli_ctx *ctx);
int cmd_traffic(int argc, char **argv, cli_ctx *ctx);
int cmd_serve(int argc, char **argv, cli_ctx *ctx);
int cmd_probe(int argc, char **argv, cli_ctx *ctx);

/* Common options every subcommand takes; returns 1 when it consumed the option, 0 if not its own,
 * or EXIT_USAGE + 100 on a bad value (already reported). */
int cli_common_option(int opt, const char *arg, cli_ctx *ctx);
int cli_usage_error(const cli_ctx *ctx, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cli_print_usage(FILE *f, const char *cmd);

/* The update cache's path: $XDG_CACHE_HOME/portlore/registry.idx, else ~/.cache/portlore/registry.idx.
 * 0, or -1 when neither variable is usable or the path does not fit. */
int cli_cache_path(char *buf, size_t size);
/* Opens the registry in use: --registry FILE, else the update cache, else the embedded snapshot. */
int cli_open_registry(const cli_ctx *ctx, pl_registry **reg, pl_render_meta *meta);
/* printf to stdout with terminal control characters defused (registry text and process names are
 * anyone's: see pl_term_clean). */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Flushes stdout: 0, or EXIT_RUNTIME after saying the output could not be written. */
int cli_flush(const cli_ctx *ctx);

/* Prints doc as JSON or text per ctx; returns 0 or EXIT_RUNTIME. Consumes doc. */
int cli_emit(const cli_ctx *ctx, json_t *doc);

#endif
