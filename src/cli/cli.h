/* The command-line front end: a table of subcommands (after tmux's cmd-*.c), each a file with its
 * usage line and handler. The front end owns the process: argv, environment, stdout/stderr, exit codes. */
#ifndef PL_CLI_H
#define PL_CLI_H

#include <stdbool.h>

#include "portlore/registry.h"
#include "portlore/render.h"

#define PORTLORE_VERSION "0.1.0"

enum { EXIT_FOUND = 0, EXIT_NOTHING = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* The global options, as bits: which ones a subcommand takes (cli_cmd.globals), which were given. */
enum { G_JSON = 1u << 0, G_JSONL = 1u << 1, G_NOLOCAL = 1u << 2, G_REGISTRY = 1u << 3, G_COLOR = 1u << 4 };

struct cli_cmd;

typedef struct cli_ctx {
	const char *registry_path; /* --registry FILE */
	bool json;
	bool jsonl;                /* --jsonl: one JSON document a line, as the answer is computed */
	int colour;                /* -1 auto, 0 never, 1 always */
	bool no_local;
	bool wide;                 /* ls --wide */
	bool no_probe;             /* --no-probe: do not ask this host's listeners what they speak */
	const char *prog;
	const struct cli_cmd *cmd; /* the subcommand running (show for a bare port) */
} cli_ctx;

typedef struct cli_cmd {
	const char *name;
	const char *usage; /* after "portlore NAME ": matches docs/portlore.1 */
	const char *summary;
	int (*run)(int argc, char **argv, cli_ctx *ctx);
	unsigned globals;    /* G_* it takes, before or after its name alike; the others are refused alike */
	const char *options; /* its own options for --help, one "  --opt  what" line each */
} cli_cmd;

/* Every subcommand's getopt table starts with these, so that a global option after the subcommand is
 * parsed (and taken or refused by cli_common_option) exactly as before it. */
#define CLI_GLOBAL_OPTIONS                                                                                  \
	{"json", no_argument, NULL, 'j'}, {"jsonl", no_argument, NULL, 'J'}, {"no-local", no_argument, NULL, 'L'}, \
	{"registry", required_argument, NULL, 'r'}, {"color", required_argument, NULL, 'c'},                     \
	{"help", no_argument, NULL, 'h'}

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
/* "portlore: MESSAGE" on stderr, the message's control characters and invalid UTF-8 escaped visibly
 * (it may quote an argument or a file name). */
void cli_error(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Is G_* option g taken by the running subcommand? If not, says so (a usage error) and returns false. */
bool cli_global_allowed(const cli_ctx *ctx, unsigned g);
void cli_print_usage(FILE *f, const char *cmd);
/* portlore COMMAND --help: usage, summary and every option the command takes; the exit code. */
int cli_print_help(const char *cmd);

/* The update cache's path: $XDG_CACHE_HOME/portlore/registry.idx, else ~/.cache/portlore/registry.idx.
 * 0, or -1 when neither variable is usable or the path does not fit. */
int cli_cache_path(char *buf, size_t size);
/* Opens the registry in use: --registry FILE, else the update cache, else the embedded snapshot. */
int cli_open_registry(const cli_ctx *ctx, pl_registry **reg, pl_render_meta *meta);
/* One line to stdout: the formatted text with every control character escaped visibly (registry text
 * and file names are anyone's: a newline in them must not start a line of its own), then a newline. */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Flushes stdout: 0, or EXIT_RUNTIME after saying the output could not be written. */
int cli_flush(const cli_ctx *ctx);

/* The output's width in columns: $COLUMNS, else the terminal's; 0 for a pipe (no limit). */
int cli_term_width(void);
/* Colour on stdout? --color, else a terminal and NO_COLOR unset. */
bool cli_want_colour(const cli_ctx *ctx);
/* Makes jansson allocate from per-size free lists (every command but serve). */
void cli_json_arena(void);
/* Prints doc as JSON or text per ctx; returns 0 or EXIT_RUNTIME. Consumes doc. */
int cli_emit(const cli_ctx *ctx, json_t *doc);

#endif
