/* The two files the pages load, compiled in: nothing is ever served from disk. The script only enhances
 * the vote form (it posts with fetch and updates the counts in place); every page works without it. */
#include <string.h>

#include "internal.h"

static const char css[] =
	":root{--ink:#1d232a;--soft:#5b6570;--line:#d9dee3;--bg:#fbfbf8;--card:#fff;--accent:#0b6e69;"
	"--warn:#8a4b00;--warnbg:#fff4e0;--ok:#1c6b2d;--okbg:#e8f5ea}\n"
	"*{box-sizing:border-box}\n"
	"html{font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:var(--ink);"
	"background:var(--bg)}\n"
	"body{margin:0 auto;max-width:52rem;padding:0 1rem}\n"
	"a{color:var(--accent)}\n"
	"code{font:0.92em/1.4 ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;background:#eef1f3;"
	"padding:0.05em 0.3em;border-radius:3px;overflow-wrap:anywhere}\n"
	"header.site{display:flex;flex-wrap:wrap;align-items:baseline;gap:0.5rem 1rem;padding:1rem 0 0.5rem;"
	"border-bottom:1px solid var(--line)}\n"
	".brand{margin:0;flex:1 1 20rem}.brand a{font-weight:700;text-decoration:none;font-size:1.2rem}\n"
	".brand span{color:var(--soft);font-size:0.9rem;margin-left:0.4rem}\n"
	"form.search{display:flex;gap:0.4rem;align-items:center}\n"
	"form.search label{position:absolute;left:-9999px}\n"
	"input[type=search]{font:inherit;padding:0.3rem 0.5rem;border:1px solid var(--line);border-radius:4px;"
	"min-width:14rem}\n"
	"button{font:inherit;cursor:pointer;border:1px solid var(--line);background:var(--card);border-radius:4px;"
	"padding:0.3rem 0.7rem}\nbutton:hover{border-color:var(--accent)}\n"
	"form.big input[type=search]{font-size:1.1rem;flex:1}\n"
	"nav ol.crumbs{flex-basis:100%;list-style:none;margin:0;padding:0;display:flex;gap:0.4rem;"
	"color:var(--soft);font-size:0.95rem}\n.crumbs .sep{margin-right:0.4rem}\n"
	"h1{font-size:1.9rem;margin:1.2rem 0 0.3rem}h1 .svc{color:var(--accent)}\n"
	"h2{font-size:1.25rem;margin:0 0 0.6rem}\nh3{font-size:1.05rem;margin:0 0 0.4rem}\n"
	".lead{font-size:1.1rem;color:var(--soft);margin-top:0}\n"
	"main section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem 1.2rem;"
	"margin:1rem 0}\n"
	"article.record{border-top:1px solid var(--line);padding-top:0.6rem;margin-top:0.6rem}\n"
	"article.record:first-of-type{border-top:0;margin-top:0;padding-top:0}\n"
	".proto{font-size:0.8rem;text-transform:uppercase;letter-spacing:0.05em;color:var(--soft);"
	"border:1px solid var(--line);border-radius:3px;padding:0 0.3rem}\n"
	".badge{font-size:0.75rem;background:var(--warnbg);color:var(--warn);border-radius:3px;padding:0.05rem 0.4rem}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1rem;margin:0.4rem 0}\n"
	"dt{color:var(--soft)}dd{margin:0}dd.pre{white-space:pre-line}\n"
	"dl.commands dd+dd{grid-column:2}\n"
	".note{color:var(--soft);font-size:0.92rem}\n"
	".verdict{padding:0.6rem 0.8rem;border-radius:4px;margin:0}\n"
	".verdict-ghost{background:var(--warnbg);color:var(--warn)}.verdict-no{background:var(--okbg);color:var(--ok)}\n"
	"ul.nearby{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:0.4rem}\n"
	"ul.nearby a{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0.2rem 0.6rem;"
	"text-decoration:none}\nul.nearby .num{font-weight:600}\n"
	"ul.ranges{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:0.8rem}\n"
	"ul.ranges li{border:1px solid var(--line);border-radius:6px;padding:0.8rem}\n"
	".bounds{font-weight:400;color:var(--soft);margin-left:0.4rem}\n"
	"table{border-collapse:collapse;width:100%;font-size:0.95rem}\n"
	"th,td{text-align:left;padding:0.3rem 0.5rem;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"form.vote{display:flex;flex-wrap:wrap;gap:0.6rem;align-items:center}\n"
	"form.vote .flash{flex-basis:100%;margin:0;color:var(--ok)}\nform.vote .flash:empty{display:none}\n"
	"form.vote button{font-size:1.3rem;padding:0.3rem 0.9rem}\n"
	"form.vote .count{font-size:1rem;color:var(--soft);margin-left:0.2rem}\n"
	".error{color:var(--warn)}\n"
	"ul.scanners{margin:0.3rem 0 0.6rem;padding-left:1.2rem}\n#traffic .verdict{margin-bottom:0.6rem}\n"
	"footer{color:var(--soft);font-size:0.88rem;border-top:1px solid var(--line);margin-top:1.5rem;padding:0.6rem 0 2rem}\n"
	"@media (prefers-color-scheme:dark){:root{--ink:#e4e7ea;--soft:#9aa5b0;--line:#333b43;--bg:#15191d;"
	"--card:#1c2126;--accent:#5cc8c0;--warn:#ffc46b;--warnbg:#3a2c14;--ok:#8fd69c;--okbg:#17321d}"
	"code{background:#262d34}}\n";

/* Posts the vote with fetch and shows the new counts; on any failure the form is submitted as usual. */
static const char js[] =
	"document.addEventListener('submit', function (ev) {\n"
	"  var form = ev.target;\n"
	"  if (!form.classList || !form.classList.contains('vote') || !window.fetch) return;\n"
	"  var button = ev.submitter;\n"
	"  if (!button || !button.value) return;\n"
	"  ev.preventDefault();\n"
	"  fetch(form.action, {method: 'POST', headers: {'Accept': 'application/json',\n"
	"    'Content-Type': 'application/x-www-form-urlencoded'}, body: 'vote=' + encodeURIComponent(button.value)})\n"
	"    .then(function (r) { return r.json().then(function (j) { return {ok: r.ok || r.status === 409, j: j}; }); })\n"
	"    .then(function (res) {\n"
	"      if (!res.ok || !res.j.counts) throw new Error('vote');\n"
	"      Object.keys(res.j.counts).forEach(function (k) {\n"
	"        var el = form.querySelector('.count[data-vote=\"' + k + '\"]');\n"
	"        if (el) el.textContent = String(res.j.counts[k]);\n"
	"      });\n"
	"      var flash = form.querySelector('.flash');\n"
	"      if (flash) flash.textContent = res.j.message || '';\n"
	"    })\n"
	"    .catch(function () {\n"
	"      var h = document.createElement('input');\n"
	"      h.type = 'hidden'; h.name = 'vote'; h.value = button.value;\n"
	"      form.appendChild(h); form.submit();\n"
	"    });\n"
	"});\n";

static const pl_asset assets[] = {
	{"/static/portlore.css", "text/css; charset=utf-8", css, sizeof css - 1},
	{"/static/portlore.js", "text/javascript; charset=utf-8", js, sizeof js - 1},
};

const pl_asset *pl_web_asset(const char *path)
{
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
		if (strcmp(assets[i].path, path) == 0)
			return &assets[i];
	return NULL;
}
