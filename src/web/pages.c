/* The pages other than a port's: the frame every page shares (head, header with the search box and the
 * breadcrumb, footer with the registry's date and source), the home page with the three ranges, search
 * results, and the short error pages. Text comes from the message table; all of it is escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_SEARCH_HITS 200

int pl_web_page_open(pl_web *w, pl_buf *b, pl_lang l, const char *title, const char *crumb)
{
	(void)w;
	int rc = PL_ADD(b, "<!doctype html>\n<html lang=\"");
	rc = rc ? rc : pl_web_esc(b, pl_web_lang_tag(l));
	rc = rc ? rc : PL_ADD(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
				 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	rc = rc ? rc : pl_web_esc(b, title);
	rc = rc ? rc : PL_ADD(b, " · portlore</title>\n<link rel=\"stylesheet\" href=\"/static/portlore.css\">\n"
				 "<script src=\"/static/portlore.js\" defer></script>\n</head>\n<body>\n"
				 "<header class=\"site\">\n<p class=\"brand\"><a href=\"/\">portlore</a> <span>");
	rc = rc ? rc : PL_TR0(b, l, M_SITE_TAGLINE);
	rc = rc ? rc : PL_ADD(b, "</span></p>\n<form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">"
				 "<label for=\"q\">");
	rc = rc ? rc : PL_TR0(b, l, M_SEARCH_LABEL);
	rc = rc ? rc : PL_ADD(b, "</label> <input id=\"q\" name=\"q\" type=\"search\" maxlength=\"256\" placeholder=\"");
	rc = rc ? rc : PL_TR0(b, l, M_SEARCH_PLACEHOLDER);
	rc = rc ? rc : PL_ADD(b, "\"> <button type=\"submit\">");
	rc = rc ? rc : PL_TR0(b, l, M_SEARCH_BUTTON);
	rc = rc ? rc : PL_ADD(b, "</button></form>\n<nav aria-label=\"breadcrumb\"><ol class=\"crumbs\">");
	if (crumb) {
		rc = rc ? rc : PL_ADD(b, "<li><a href=\"/\">");
		rc = rc ? rc : PL_TR0(b, l, M_PORTS);
		rc = rc ? rc : PL_ADD(b, "</a></li> <li aria-current=\"page\"><span class=\"sep\" aria-hidden=\"true\">›</span> ");
		rc = rc ? rc : pl_web_esc(b, crumb);
	} else {
		rc = rc ? rc : PL_ADD(b, "<li aria-current=\"page\">");
		rc = rc ? rc : PL_TR0(b, l, M_PORTS);
	}
	rc = rc ? rc : PL_ADD(b, "</li></ol></nav>\n</header>\n<main>\n");
	return rc;
}

int pl_web_page_close(pl_web *w, pl_buf *b, pl_lang l, int port)
{
	const char *date = pl_registry_date(w->reg);
	int rc = PL_ADD(b, "</main>\n<footer>\n<p>");
	rc = rc ? rc : PL_TR(b, l, M_FOOTER_REGISTRY, *date ? date : "?", pl_registry_source(w->reg));
	rc = rc ? rc : PL_ADD(b, "</p>\n<p>");
	rc = rc ? rc : PL_TR0(b, l, M_FOOTER_JSON);
	if (port >= 0)
		rc = rc ? rc : pl_buf_printf(b, " <a href=\"/api/ports/%d\">/api/ports/%d</a>", port, port);
	else
		rc = rc ? rc : PL_ADD(b, " <a href=\"/api/search?q=http\">/api/search?q=…</a>");
	rc = rc ? rc : PL_ADD(b, " · portlore " PL_VERSION_STRING "</p>\n</footer>\n</body>\n</html>\n");
	return rc;
}

const char *pl_web_port_name(const pl_registry *reg, uint16_t port)
{
	uint32_t idx[16];
	size_t n = pl_registry_lookup_port(reg, port, PL_PROTO_NONE, idx, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		pl_record rec;
		if (pl_registry_record(reg, idx[i], &rec) == 0 && rec.status == PL_STATUS_ASSIGNED && *rec.name)
			return rec.name;
	}
	return NULL;
}

struct range_walk {
	pl_web *w;
	uint8_t seen[65536 / 8], ghost[65536 / 8]; /* a port is counted once, whatever services overlap */
};

static int count_service(const pl_service *svc, void *ctx)
{
	struct range_walk *rw = ctx;
	if (!svc->has_port)
		return 0;
	for (uint32_t p = svc->port_lo; p <= svc->port_hi; p++) {
		int r = (int)pl_range_of((uint16_t)p);
		uint8_t bit = (uint8_t)(1u << (p % 8));
		if (!(rw->seen[p / 8] & bit)) {
			rw->seen[p / 8] |= bit;
			rw->w->ranges[r].ports++;
		}
		if (svc->ghost && !(rw->ghost[p / 8] & bit)) {
			rw->ghost[p / 8] |= bit;
			rw->w->ranges[r].ghosts++;
		}
	}
	return 0;
}

void pl_web_count_ranges(pl_web *w)
{
	struct range_walk *rw = calloc(1, sizeof *rw);
	memset(w->ranges, 0, sizeof w->ranges);
	if (!rw)
		return;
	rw->w = w;
	pl_registry_services(w->reg, PL_PROTO_NONE, count_service, rw, NULL);
	free(rw);
}

int pl_web_page_home(pl_web *w, const pl_page_req *rq, pl_buf *b)
{
	pl_lang l = rq->lang;
	int rc = pl_web_page_open(w, b, l, pl_web_msg(l, M_HOME_TITLE), NULL);
	rc = rc ? rc : PL_ADD(b, "<h1>");
	rc = rc ? rc : PL_TR0(b, l, M_HOME_TITLE);
	rc = rc ? rc : PL_ADD(b, "</h1>\n<p class=\"lead\">");
	rc = rc ? rc : PL_TR0(b, l, M_HOME_INTRO);
	rc = rc ? rc : PL_ADD(b, "</p>\n<form class=\"search big\" action=\"/search\" method=\"get\" role=\"search\">"
				 "<input name=\"q\" type=\"search\" maxlength=\"256\" aria-label=\"");
	rc = rc ? rc : PL_TR0(b, l, M_SEARCH_LABEL);
	rc = rc ? rc : PL_ADD(b, "\" placeholder=\"");
	rc = rc ? rc : PL_TR0(b, l, M_SEARCH_PLACEHOLDER);
	rc = rc ? rc : PL_ADD(b, "\"> <button type=\"submit\">");
	rc = rc ? rc : PL_TR0(b, l, M_SEARCH_BUTTON);
	rc = rc ? rc : PL_ADD(b, "</button></form>\n<p>");
	rc = rc ? rc : PL_TR0(b, l, M_HOME_TRY);
	static const uint16_t examples[] = {22, 80, 443, 2908, 5432, 6379};
	for (size_t i = 0; i < sizeof examples / sizeof examples[0] && rc == 0; i++) {
		const char *name = pl_web_port_name(w->reg, examples[i]);
		rc = pl_buf_printf(b, " <a href=\"/ports/%u\">%u", examples[i], examples[i]);
		if (rc == 0 && name) {
			rc = PL_ADD(b, " ");
			rc = rc ? rc : pl_web_esc(b, name);
		}
		rc = rc ? rc : PL_ADD(b, "</a>");
	}
	rc = rc ? rc : PL_ADD(b, "</p>\n<section id=\"ranges\">\n<h2>");
	rc = rc ? rc : PL_TR0(b, l, M_RANGES);
	rc = rc ? rc : PL_ADD(b, "</h2>\n<ul class=\"ranges\">\n");
	static const pl_msg names[3] = {M_RANGE_SYSTEM, M_RANGE_USER, M_RANGE_DYNAMIC};
	static const pl_msg descs[3] = {M_RANGE_SYSTEM_DESC, M_RANGE_USER_DESC, M_RANGE_DYNAMIC_DESC};
	for (int r = 0; r < 3 && rc == 0; r++) {
		uint16_t first, last;
		pl_range_bounds((pl_range_class)r, &first, &last);
		char nports[16], nghosts[16];
		snprintf(nports, sizeof nports, "%u", w->ranges[r].ports);
		snprintf(nghosts, sizeof nghosts, "%u", w->ranges[r].ghosts);
		rc = pl_buf_printf(b, "<li class=\"range-%s\"><h3>", pl_range_name((pl_range_class)r));
		rc = rc ? rc : PL_TR0(b, l, names[r]);
		rc = rc ? rc : pl_buf_printf(b, " <span class=\"bounds\"><a href=\"/ports/%u\">%u</a>–<a href=\"/ports/%u\">%u</a></span></h3><p>",
					     first, first, last, last);
		rc = rc ? rc : PL_TR0(b, l, descs[r]);
		rc = rc ? rc : PL_ADD(b, "</p><p class=\"count\">");
		rc = rc ? rc : PL_TR(b, l, M_RANGE_COUNTS, nports, nghosts);
		rc = rc ? rc : PL_ADD(b, "</p></li>\n");
	}
	char nrec[24];
	snprintf(nrec, sizeof nrec, "%zu", pl_registry_count(w->reg));
	const char *date = pl_registry_date(w->reg);
	rc = rc ? rc : PL_ADD(b, "</ul>\n<p class=\"registry\">");
	rc = rc ? rc : PL_TR(b, l, M_REGISTRY_LINE, *date ? date : "?", pl_registry_source(w->reg), nrec);
	rc = rc ? rc : PL_ADD(b, "</p>\n</section>\n");
	return rc ? rc : pl_web_page_close(w, b, l, -1);
}

int pl_web_page_search(pl_web *w, const char *q, const pl_page_req *rq, pl_buf *b)
{
	pl_lang l = rq->lang;
	pl_hit *hits = NULL;
	int n = 0;
	size_t total = 0;
	if (*q) {
		hits = malloc(MAX_SEARCH_HITS * sizeof *hits);
		if (!hits)
			return PL_ENOMEM;
		n = pl_registry_search_ex(w->reg, q, hits, MAX_SEARCH_HITS, &total, NULL);
		if (n < 0)
			n = 0;
	}
	int rc = pl_web_page_open(w, b, l, pl_web_msg(l, M_SEARCH_TITLE), pl_web_msg(l, M_SEARCH_TITLE));
	rc = rc ? rc : PL_ADD(b, "<h1>");
	if (!*q)
		rc = rc ? rc : PL_TR0(b, l, M_SEARCH_TITLE);
	else if (n == 0)
		rc = rc ? rc : PL_TR(b, l, M_SEARCH_NONE, q);
	else {
		char num[24];
		snprintf(num, sizeof num, "%zu", total > (size_t)n ? total : (size_t)n); /* how many in all */
		rc = rc ? rc : PL_TR(b, l, M_SEARCH_RESULTS, num, q);
	}
	rc = rc ? rc : PL_ADD(b, "</h1>\n");
	if (n == 0) {
		rc = rc ? rc : PL_ADD(b, "<p>");
		rc = rc ? rc : PL_TR0(b, l, M_SEARCH_PROMPT);
		rc = rc ? rc : PL_ADD(b, "</p>\n");
	} else {
		rc = rc ? rc : PL_ADD(b, "<table class=\"results\">\n<tbody>\n");
		for (int i = 0; i < n && rc == 0; i++) {
			pl_record rec;
			if (pl_registry_record(w->reg, hits[i].index, &rec))
				continue;
			if (rec.has_port)
				rc = pl_buf_printf(b, "<tr><td class=\"num\"><a href=\"/ports/%u\">%u</a></td><td>", rec.port_lo,
						   rec.port_lo);
			else
				rc = PL_ADD(b, "<tr><td class=\"num\">–</td><td>");
			rc = rc ? rc : pl_web_esc(b, pl_proto_name(rec.proto));
			rc = rc ? rc : PL_ADD(b, "</td><td><strong>");
			rc = rc ? rc : pl_web_esc(b, rec.name);
			rc = rc ? rc : PL_ADD(b, "</strong></td><td>");
			rc = rc ? rc : pl_web_esc(b, rec.description);
			rc = rc ? rc : PL_ADD(b, "</td></tr>\n");
		}
		rc = rc ? rc : PL_ADD(b, "</tbody>\n</table>\n");
	}
	free(hits);
	return rc ? rc : pl_web_page_close(w, b, l, -1);
}

int pl_web_page_error(pl_web *w, unsigned status, pl_msg detail, const char *arg, const pl_page_req *rq, pl_buf *b)
{
	pl_lang l = rq->lang;
	pl_msg title = status == 404 ? M_ERR_404 : status == 405 ? M_ERR_405 : status == 413 ? M_ERR_413
		     : status >= 500 ? M_ERR_500 : M_ERR_400;
	int rc = pl_web_page_open(w, b, l, pl_web_msg(l, title), pl_web_msg(l, title));
	rc = rc ? rc : pl_buf_printf(b, "<h1>%u ", status);
	rc = rc ? rc : PL_TR0(b, l, title);
	rc = rc ? rc : PL_ADD(b, "</h1>\n<p class=\"error\">");
	rc = rc ? rc : PL_TR(b, l, detail, arg ? arg : "");
	rc = rc ? rc : PL_ADD(b, "</p>\n<p><a href=\"/\">");
	rc = rc ? rc : PL_TR0(b, l, M_BACK_HOME);
	rc = rc ? rc : PL_ADD(b, "</a></p>\n");
	return rc ? rc : pl_web_page_close(w, b, l, -1);
}
