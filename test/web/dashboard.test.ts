import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, screenshot } from '../helpers/browser.js';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, redisUrl } from '../helpers/services.js';
import { getJson, waitFor } from '../helpers/wait.js';

// The dashboard in real Chromium against the built CLI, a real Celery worker and Redis.
const DB = REDIS_DB['web.redis'];
const BROKER = redisUrl(DB);

let dir: string;
let celeriac: CeleriacProcess;
let worker: CeleryWorker;
let browser: Browser;
let page: Page;
let errors: string[];
let dialogs: string[];

/** Sends a task with the fixture app and returns its id. */
async function send(call: string): Promise<string> {
  const out = await runPython(`from tasks import *\nr = ${call}\nprint(r.id)`, BROKER);
  return out.trim().split('\n').pop()!;
}

const row = (id: string) => `.vrow[data-uuid="${id}"]`;

async function waitStored(id: string, state: string): Promise<void> {
  await waitFor(async () => (await getJson(`${celeriac.url}/api/v1/tasks/${id}`)).body?.task?.state === state, `task ${id} stored as ${state}`);
}

describe('web dashboard', () => {
  beforeAll(async () => {
    const r = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
    await r.flushdb();
    r.disconnect();
    dir = mkdtempSync(join(tmpdir(), 'celeriac-web-'));
    celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'web.db'), '--queue-history-interval', '1']);
    worker = await startWorker({ broker: BROKER, name: 'web1@%h', concurrency: 2 });
    browser = await launchBrowser();
    ({ page, errors, dialogs } = await newPage(browser));
    await waitFor(async () => (await getJson(`${celeriac.url}/api/v1/workers`)).body.items?.length > 0, 'worker seen');
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await celeriac?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the dashboard with a CSP and keeps JSON 404s for the API', async () => {
    const res = await fetch(`${celeriac.url}/tasks/some-id`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
    const api = await getJson(`${celeriac.url}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('NOT_FOUND');
  });

  it('shows a task going RECEIVED → STARTED → SUCCESS live, without a reload', async () => {
    await page.goto(`${celeriac.url}/tasks`);
    await page.waitForSelector('[data-testid="live-status"]:has-text("live")');
    // Record every state each row shows, as the DOM changes.
    await page.evaluate(() => {
      const w = window as unknown as { __states: Record<string, string[]>; __sameDocument: boolean };
      w.__sameDocument = true;
      w.__states = {};
      const scan = () => {
        for (const el of document.querySelectorAll<HTMLElement>('.vrow')) {
          const id = el.dataset.uuid!;
          const s = el.dataset.state!;
          const seen = (w.__states[id] ??= []);
          if (seen[seen.length - 1] !== s) seen.push(s);
        }
      };
      new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    // Two slow tasks first occupy both pool processes, so ours waits as RECEIVED (reserved by the
    // worker) for ~2 s before it starts: each state lasts long enough to be seen.
    const id = await send('[slow.delay(2), slow.delay(2)] and slow.delay(2)');
    await page.waitForSelector(`${row(id)}[data-state="RECEIVED"]`, { timeout: 20_000 });
    await page.waitForSelector(`${row(id)}[data-state="STARTED"]`, { timeout: 20_000 });
    await page.waitForSelector(`${row(id)}[data-state="SUCCESS"]`, { timeout: 20_000 });
    const seen = await page.evaluate((u) => (window as unknown as { __states: Record<string, string[]> }).__states[u], id);
    console.log(`states shown for ${id}: ${seen.join(' → ')}`);
    const at = (s: string) => seen.indexOf(s);
    expect(at('RECEIVED')).toBeGreaterThanOrEqual(0);
    expect(at('RECEIVED')).toBeLessThan(at('STARTED'));
    expect(at('STARTED')).toBeLessThan(at('SUCCESS'));
    expect(seen[seen.length - 1]).toBe('SUCCESS');
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, 'tasks');
  });

  it('live socket: sends only tasks matching the subscription filter, and rejects a bad one', async () => {
    const ws = new WebSocket(`${celeriac.url.replace('http', 'ws')}/api/v1/live`);
    const messages: any[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((res, rej) => ws.once('open', res).once('error', rej));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'bad', params: { q: 'nosuchfield:1' } }));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'failed', params: { state: 'FAILURE', name: 'tasks.*' } }));
    await waitFor(() => messages.some((m) => m.type === 'subscribed' && m.id === 'failed'), 'subscribed');
    const bad = messages.find((m) => m.type === 'error' && m.id === 'bad');
    expect(bad.error.code).toBe('INVALID_SEARCH');
    expect(messages[0].type).toBe('hello');
    const ok = await send('add.delay(1, 1)');
    const failed = await send("fail.delay('ws-filter')");
    await waitFor(() => messages.some((m) => m.type === 'update' && m.subs.failed?.some((t: any) => t.uuid === failed)), 'failed task pushed');
    await waitStored(ok, 'SUCCESS');
    await new Promise((r) => setTimeout(r, 600));
    const pushed = messages.filter((m) => m.type === 'update').flatMap((m) => m.subs.failed ?? []);
    expect(pushed.every((t: any) => t.state === 'FAILURE')).toBe(true);
    expect(pushed.some((t: any) => t.uuid === ok)).toBe(false);
    const seqs = messages.filter((m) => m.type === 'update').map((m) => m.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    ws.close();

    // another site's page may not open the feed (WebSockets are not covered by CORS)
    const evil = new WebSocket(`${celeriac.url.replace('http', 'ws')}/api/v1/live`, { headers: { origin: 'http://evil.example' } });
    const status = await new Promise<number>((res) => {
      evil.once('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      evil.once('open', () => res(101));
      evil.once('error', () => res(-1));
    });
    expect(status).toBe(403);
  });

  it('catches up after the socket drops: refetches and shows what happened meanwhile', async () => {
    await page.goto(`${celeriac.url}/tasks`);
    await page.waitForSelector('[data-testid="live-status"]:has-text("live")');
    await page.context().setOffline(true);
    let id: string;
    try {
      await page.evaluate(() => (window as unknown as { __celeriacLive: { ws: WebSocket } }).__celeriacLive.ws.close());
      await page.waitForSelector('[data-testid="live-status"]:not(:has-text("live"))');
      id = await send('add.delay(7, 8)');
      await waitStored(id, 'SUCCESS');
      expect(await page.locator(row(id)).count()).toBe(0);
    } finally {
      await page.context().setOffline(false);
    }
    await page.waitForSelector('[data-testid="live-status"]:has-text("live")', { timeout: 15_000 });
    await page.waitForSelector(`${row(id)}[data-state="SUCCESS"]`, { timeout: 15_000 });
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED')));
  });

  let failedId = '';
  let tokenId = '';

  it('filters by state and searches by args; the URL reproduces the view', async () => {
    failedId = await send("fail.delay('web-boom')");
    tokenId = await send("add.delay('zebra-', 'token')");
    await send('add.delay(40, 2)');
    await waitStored(failedId, 'FAILURE');
    await waitStored(tokenId, 'SUCCESS');

    await page.goto(`${celeriac.url}/tasks`);
    await page.waitForSelector(row(tokenId));
    await page.click('[data-testid="state-FAILURE"]');
    await page.waitForFunction(() => location.search.includes('state=FAILURE'));
    await page.waitForSelector(row(failedId));
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.vrow')].every((r) => r.dataset.state === 'FAILURE'));
    expect(await page.locator(row(tokenId)).count()).toBe(0);

    // back to all states, then a field-qualified search on args
    await page.click('[data-testid="state-FAILURE"]');
    await page.waitForFunction(() => !location.search.includes('state='));
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('task-search');
    await page.keyboard.type('args:"zebra-" state:SUCCESS');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('q') === 'args:"zebra-" state:SUCCESS');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll<HTMLElement>('.vrow')];
      return rows.length === 1 && rows[0]!.dataset.uuid === id;
    }, tokenId);
    const url = page.url();

    const { page: other } = await newPage(browser);
    await other.goto(url);
    await other.waitForSelector(row(tokenId));
    expect(await other.locator('.vrow').count()).toBe(1);
    expect(await other.inputValue('[data-testid="task-search"]')).toBe('args:"zebra-" state:SUCCESS');
    await other.close();
  });

  it('moves with j/k and opens a failed task with Enter, showing its traceback as text', async () => {
    await page.goto(`${celeriac.url}/tasks?state=FAILURE&live=0`);
    await page.waitForSelector(row(failedId));
    await page.keyboard.press('j');
    await page.waitForSelector(`${row(failedId)}.selected`);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/tasks/${failedId}`);
    const tb = page.locator('[data-testid="task-traceback"]');
    await tb.waitFor();
    const text = await tb.textContent();
    expect(text).toContain('Traceback (most recent call last)');
    expect(text).toContain("ValueError: web-boom");
    expect(await page.textContent('[data-testid="task-exception"]')).toContain('web-boom');
    await page.waitForSelector('[data-testid="timeline"] li');
    await screenshot(page, 'task-detail-failed');
  });

  it('retries a task from its page: a new linked task that succeeds', async (ctx) => {
    const probe = await getJson(`${celeriac.url}/api/v1/tasks/no-such-task/retry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (probe.status === 404 && probe.body?.error?.code === 'NOT_FOUND') {
      console.warn('SKIPPED retry: POST /api/v1/tasks/:id/retry does not exist on this branch (the control branch adds it)');
      ctx.skip();
    }
    await page.goto(`${celeriac.url}/tasks/${tokenId}`);
    await page.click('[data-testid="action-retry"]');
    await page.click('dialog[open] [data-testid="confirm"]');
    const link = page.locator('[data-testid="retried-as"] a');
    await link.waitFor({ timeout: 15_000 });
    const newId = (await link.textContent())!.trim();
    expect(newId).not.toBe(tokenId);
    await link.click();
    await page.waitForURL(`**/tasks/${newId}`);
    await page.waitForSelector('.page-head .badge[data-value="SUCCESS"]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="task-args"]')).toContain('zebra-');
    expect(await page.textContent('[data-testid="retry-of"]')).toContain(tokenId);
  });

  it('grows a worker pool from the worker page and shows it in inspect', async (ctx) => {
    const hostname: string = (await getJson(`${celeriac.url}/api/v1/workers`)).body.items[0].hostname;
    const probe = await getJson(`${celeriac.url}/api/v1/workers/${encodeURIComponent(hostname)}/inspect`);
    if (probe.status === 404 && probe.body?.error?.code === 'NOT_FOUND') {
      console.warn('SKIPPED worker control: /api/v1/workers/:hostname/inspect does not exist on this branch (the control branch adds it)');
      ctx.skip();
    }
    await page.goto(`${celeriac.url}/workers/${encodeURIComponent(hostname)}`);
    await page.waitForSelector('[data-testid="worker-pool"]:has-text("2 processes")', { timeout: 15_000 });
    await page.click('[data-testid="control-pool_grow"]');
    await page.click('dialog[open] [data-testid="confirm"]');
    await page.waitForSelector('.toast:has-text("pool_grow")', { timeout: 15_000 });
    // the pool grows asynchronously: ask again until the worker reports the third process
    await waitFor(async () => {
      await page.click('[data-testid="inspect-refresh"]:not([disabled])');
      await page.waitForSelector('[data-testid="inspect-refresh"]:not([disabled])');
      return (await page.textContent('[data-testid="worker-pool"]'))?.includes('3 processes');
    }, 'inspect showing 3 processes', 20_000, 500);
  });

  it('renders script-like payloads as text; nothing runs', async () => {
    const id = await send(`add.delay('<img src=x onerror=alert(1)>', '<script>alert(2)</script>')`);
    await page.goto(`${celeriac.url}/tasks`);
    await page.waitForSelector(`${row(id)}[data-state="SUCCESS"]`, { timeout: 20_000 });
    expect(await page.locator(row(id)).textContent()).toContain('<img src=x onerror=alert(1)>');
    await page.click(row(id));
    await page.waitForURL(`**/tasks/${id}`);
    await page.waitForSelector('[data-testid="task-args"]');
    expect(await page.textContent('[data-testid="task-args"]')).toContain("'<img src=x onerror=alert(1)>', '<script>alert(2)</script>'");
    expect(await page.textContent('[data-testid="task-result"]')).toContain('<img src=x onerror=alert(1)><script>alert(2)</script>');
    await page.waitForTimeout(500);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await screenshot(page, 'task-detail-xss-as-text');
  });

  it('renders every page (screenshots in test-output/screenshots)', async () => {
    const hostname: string = (await getJson(`${celeriac.url}/api/v1/workers`)).body.items[0].hostname;
    const pages: [string, string, string][] = [
      ['overview', '/', '[data-testid="overview-stats"]'],
      ['workers', '/workers', `tr[data-hostname="${hostname}"]`],
      ['worker-detail', `/workers/${encodeURIComponent(hostname)}`, 'h1'],
      ['queues', '/queues', 'h1'],
      ['failures', '/failures', '[data-testid="failures-table"]'],
      ['orphans', '/orphans', '[data-testid="stale-table"]'],
      ['audit', '/audit', 'h1'],
    ];
    for (const [name, path, sel] of pages) {
      await page.goto(`${celeriac.url}${path}`);
      await page.waitForSelector(sel);
      await page.waitForTimeout(600);
      await screenshot(page, name);
    }
    // the failures page groups the failure of the earlier test
    await page.goto(`${celeriac.url}/failures`);
    await page.waitForSelector('[data-testid="failures-table"] a:has-text("ValueError")');
    // worker status is shown with heartbeat age
    await page.goto(`${celeriac.url}/workers`);
    expect(await page.textContent(`tr[data-hostname="${hostname}"]`)).toMatch(/online|idle/);
    // dark theme, UTC
    await page.click('[data-testid="theme-toggle"]');
    await page.click('[data-testid="tz-toggle"]');
    await page.goto(`${celeriac.url}/tasks`);
    await page.waitForSelector('.vrow');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, 'tasks-dark-utc');
    await page.goto(`${celeriac.url}/`);
    await page.waitForSelector('[data-testid="overview-stats"]');
    await page.waitForTimeout(600);
    await screenshot(page, 'overview-dark');
    expect(errors).toEqual([]);
  });

  it('charts the server\'s queue depth history and keeps it updating', async () => {
    // Three tasks to a queue nobody consumes (sent by Celeriac, so it samples that queue).
    for (let i = 0; i < 3; i++) {
      const r = await getJson(`${celeriac.url}/api/v1/tasks/send`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tasks.add', args: [i, i], options: { queue: 'web-backlog' } }),
      });
      expect(r.status).toBe(200);
    }
    await waitFor(async () => (await getJson(`${celeriac.url}/api/v1/queues/history?queue=web-backlog`)).body.items?.[0]?.messages.at(-1) === 3, 'history sampled 3 waiting');
    await page.goto(`${celeriac.url}/queues`);
    const chart = page.locator('[data-testid="queue-chart"]');
    await chart.locator('canvas').waitFor();
    // The history came from the server: points from before the page opened, not collected by it.
    const points = Number(await chart.getAttribute('data-points'));
    // (sampled every second since Celeriac started, long before this page opened)
    expect(points).toBeGreaterThanOrEqual(5);
    expect(await chart.textContent()).toContain('web-backlog');
    // It keeps updating without a reload (the server samples every second here).
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="queue-chart"]')?.getAttribute('data-points')) > n + 1, points, { timeout: 15000 });
    // And survives a reload: the history is the server's, not the page's.
    await page.reload();
    await chart.locator('canvas').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(points);
    await page.waitForTimeout(300);
    await screenshot(page, 'queues-history');
    expect(errors).toEqual([]);
  });
});
