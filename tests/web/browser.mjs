// The port page in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
// browser). Opens /ports/2908, finds mao and the ghost verdict, votes 😃, reloads and sees the count go
// up; votes again with JavaScript off (the plain form); fails on any CSP violation; saves a screenshot.
// Usage: node browser.mjs BASE_URL SCREENSHOT.png   (prints "PASS desc" / "FAIL desc" lines)
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, shot] = process.argv.slice(2);
let failed = 0;
const result = (ok, desc, why) => {
	console.log(`${ok ? 'PASS' : 'FAIL'} ${desc}${ok || !why ? '' : ` (${why})`}`);
	if (!ok) failed++;
};
const profile = mkdtempSync(join(tmpdir(), 'portlore-chromium-'));
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync'];
const open = (js) => chromium.launchPersistentContext(js ? profile : `${profile}-nojs`, {
	executablePath: '/usr/bin/chromium', headless: true, args: flags, javaScriptEnabled: js,
	viewport: { width: 1000, height: 900 },
});
const count = (page, vote) => page.textContent(`.count[data-vote="${vote}"]`).then(Number);

const ctx = await open(true);
try {
	const page = ctx.pages()[0] || await ctx.newPage();
	const violations = [];
	page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
	page.on('pageerror', (e) => violations.push(String(e)));
	await page.goto(`${base}/ports/2908`);
	const h1 = await page.textContent('h1');
	result(/Port 2908/.test(h1) && /mao/.test(h1), 'the page is about port 2908, mao', h1);
	const verdict = await page.textContent('#verdict');
	result(/ghost registration/i.test(verdict), 'the ghost verdict is on the page', verdict);
	const crumbs = (await page.textContent('nav ol.crumbs')).replace(/\s+/g, ' ').trim();
	result(crumbs === 'Ports › Port 2908', 'the breadcrumb reads "Ports › Port 2908"', crumbs);
	const before = await count(page, 'happy');
	await page.click('button[value="happy"]');
	await page.waitForFunction(() => document.querySelector('form.vote .flash').textContent.length > 0);
	result(await count(page, 'happy') === before + 1, 'clicking 😃 counts the vote at once (script)', `${before} -> ${await count(page, 'happy')}`);
	await page.reload();
	const after = await count(page, 'happy');
	result(after === before + 1, 'after a reload the 😃 count is one higher', `${before} -> ${after}`);
	await page.screenshot({ path: shot, fullPage: true });
	result(violations.length === 0, 'no Content-Security-Policy violation or script error', violations.join('; '));
} finally {
	await ctx.close();
}

// The same vote without JavaScript: a plain form POST, answered by a redirect to the page.
const nojs = await open(false);
try {
	const page = nojs.pages()[0] || await nojs.newPage();
	await page.goto(`${base}/ports/2909`);
	const before = await count(page, 'meh');
	await Promise.all([page.waitForURL(/voted=1/), page.click('button[value="meh"]')]);
	result(await count(page, 'meh') === before + 1, 'without JavaScript the form vote counts too', `${before} -> ${await count(page, 'meh')}`);
	result(/your vote is counted/.test(await page.textContent('form.vote .flash')), 'without JavaScript the page thanks the voter');
} finally {
	await nojs.close();
	rmSync(profile, { recursive: true, force: true });
	rmSync(`${profile}-nojs`, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
