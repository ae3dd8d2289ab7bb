// SPDX-License-Identifier: GPL-2.0 OR MIT
// The cache UI in a real headless Chromium: loads with no console errors,
// the requests/s graph follows load generated here, the counters match the
// JSON, "Clear cache" empties the cache. Leaves a screenshot.
// usage: node ui_test.js BASE_URL SCREENSHOT_PATH  (BASE_URL ends in /)
'use strict';

const http = require('http');
const { chromium } = require('playwright-core');

const [base, shot] = process.argv.slice(2);
const origin = new URL(base).origin;
let passed = 0;
let failed = 0;

function check(cond, what, detail) {
  if (cond) {
    passed++;
    console.log('ok   ' + what);
  } else {
    failed++;
    console.log('FAIL ' + what + (detail === undefined ? '' : ' ' + JSON.stringify(detail)));
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function get(path) {
  return new Promise((resolve, reject) => {
    http.get(origin + path, { agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

// Keep 4 clients busy with cacheable files until stop() is called.
function load() {
  let running = true;
  let count = 0;
  const loops = [0, 1, 2, 3].map(async (k) => {
    while (running) {
      await get('/f' + ((count + k) % 8) + '.html');
      count++;
    }
  });
  return { stop: async () => { running = false; await Promise.all(loops); return count; } };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(r.status() + ' ' + r.url()); });

    const resp = await page.goto(base, { waitUntil: 'load' });
    check(resp && resp.status() === 200, 'UI page loads (200)', resp && resp.status());
    check((await page.title()) === 'khttpd cache', 'title');
    const polled = await page.waitForFunction(
      () => Number(document.getElementById('graph').dataset.updates) >= 2,
      null, { timeout: 10000 }).then(() => true, () => false);
    check(polled, 'stats.json polled and rendered twice within 10 s');
    const idle = Number(await page.getAttribute('#graph', 'data-latest'));

    const gen = load();
    // the graph must show the load: the latest complete second > 0
    await page.waitForFunction(() => Number(document.getElementById('graph').dataset.latest) > 0,
      null, { timeout: 10000 });
    const u1 = Number(await page.getAttribute('#graph', 'data-updates'));
    // two more polls while the load runs: awaited, not slept for
    await page.waitForFunction((u) => Number(document.getElementById('graph').dataset.updates) >= u + 2,
      u1, { timeout: 10000 }).catch(() => {});
    const u2 = Number(await page.getAttribute('#graph', 'data-updates'));
    const latest = Number(await page.getAttribute('#graph', 'data-latest'));
    const rpsText = await page.textContent('#rps');
    check(latest > idle && latest > 10, 'graph follows the load: ' + latest + ' req/s', { idle, latest });
    check(u2 >= u1 + 2, 'graph keeps updating while load runs', { u1, u2 });
    check(Number(rpsText.replace(/,/g, '')) > 0, 'requests/s counter shows the load', rpsText);
    // the pixels changed too: the line is drawn where the load is
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('graph');
      const d = c.getContext('2d').getImageData(c.width - 40, 0, 40, c.height).data;
      let blue = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 150 && d[i] < 120) blue++;
      return blue;
    });
    check(drawn > 20, 'graph line drawn at the recent end', drawn);
    await page.screenshot({ path: shot, fullPage: true });
    const sent = await gen.stop();

    // every request was answered, so counted: the page must catch up
    const json = JSON.parse((await get(new URL(base).pathname + 'stats.json')).body);
    await page.waitForFunction((h) => document.getElementById('hits').textContent.replace(/,/g, '') === String(h),
      json.hits, { timeout: 5000 }).catch(() => {});
    const hitsText = (await page.textContent('#hits')).replace(/,/g, '');
    check(Number(hitsText) === json.hits, 'hit counter matches the JSON', { hitsText, json: json.hits });
    check(json.hits + json.misses >= sent && json.entries === 8,
      'JSON counts the ' + sent + ' requests made, 8 entries', { hits: json.hits, misses: json.misses });
    const ratio = await page.textContent('#ratio');
    check(/%$/.test(ratio) && parseFloat(ratio) > 90, 'hit ratio shown', ratio);
    const rows = await page.$$eval('#top tr', (trs) => trs.map((t) => t.textContent));
    check(rows.length === 8 && rows[0].includes('/f'), 'top entries table lists the files', rows.length);
    check(/of/.test(await page.textContent('#memtext')), 'memory used vs cap shown');

    await page.click('#clear');
    await page.waitForFunction(() => document.getElementById('entries').textContent === '0',
      null, { timeout: 5000 }).catch(() => {});
    check((await page.textContent('#entries')) === '0', 'Clear cache empties it (entries 0)');
    check(/cleared 8 entries/.test(await page.textContent('#note')), 'clear reports 8 entries',
      await page.textContent('#note'));
    const after = JSON.parse((await get(new URL(base).pathname + 'stats.json')).body);
    check(after.entries === 0 && after.bytes === 0, 'server side empty after the click', after.entries);
    check(errors.length === 0, 'no console errors, failed or 4xx requests', errors);
  } catch (e) {
    check(false, 'browser test raised', String(e));
  } finally {
    await browser.close();
    agent.destroy();
  }
  console.log('tests/ui');
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
})();
