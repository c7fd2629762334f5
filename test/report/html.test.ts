/**
 * report.html opened in real headless Chromium: no console errors, no
 * network requests (self-contained), the verdict visible, charts rendered
 * (canvases with drawn pixels), the tables present. A screenshot is kept in
 * test/artifacts/report.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { finishRun } from '../../src/report/index.js';
import { removeSynthRuns } from '../analyze/synth.js';
import { richRun } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
/** Every chart the rich run draws. */
const CHART_IDS = ['chart-rps', 'chart-latency', 'chart-endpoints', 'chart-endpoint-rps', 'chart-errors', 'chart-distribution', 'chart-classes', 'chart-pool'];
/** The charts beyond load, latency, endpoints and pool: errors by class, the latency distribution, p99 by tenant size class. */
const NEW_CHART_IDS = ['chart-errors', 'chart-distribution', 'chart-classes'];
/** Charts whose x is seconds since the start: they share one cursor (the distribution's x is a percentile). */
const TIME_CHART_IDS = CHART_IDS.filter((id) => id !== 'chart-distribution');
let context: BrowserContext;
let profileDir: string;
let dir: string;

/** Pixels drawn on a chart's canvas (-1 when it has none). */
const drawnPixels = async (page: Page, id: string): Promise<number> =>
  // (A string: the test is compiled without DOM types.)
  page.evaluate<number>(`(() => {
    const canvas = document.querySelector('#${id} canvas');
    if (!canvas || canvas.width === 0) return -1;
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  })()`);

beforeAll(async () => {
  dir = richRun();
  // --slo replaces the run's own SLOs: the run's two and one more.
  const res = await finishRun(dir, { print: () => undefined, slo: ['p99<250ms', 'errors<1%', 'dashboard:p95<50ms'] });
  expect(res.exitCode).toBe(2);
  profileDir = mkdtempSync(join(tmpdir(), 'prodshape-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1200, height: 900 },
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(profileDir, { recursive: true, force: true });
  removeSynthRuns();
});

describe('report.html in headless Chromium', () => {
  it('is self-contained, opens with the verdict, draws the charts and shows the tables', async () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-charts="ready"]', { timeout: 15_000 });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);

    // The verdict is the first thing on the page, visible, and says what failed.
    const verdict = page.locator('#verdict');
    expect(await verdict.isVisible()).toBe(true);
    expect(await verdict.textContent()).toMatch(/^FAIL/);
    const box = await verdict.boundingBox();
    expect(box!.y).toBeLessThan(200);

    // Every chart has a canvas with drawn pixels.
    for (const id of CHART_IDS) expect(await drawnPixels(page, id), id).toBeGreaterThan(1000);
    // The run's profile has a clock (08:30–10:00 over 90 s at --speed 30): the time charts' x ticks read `30 s · 09:00`.
    for (const id of TIME_CHART_IDS) {
      const ticks = ((await page.locator(`#${id}`).getAttribute('data-x-ticks')) ?? '').split('|');
      expect(ticks.length, id).toBeGreaterThanOrEqual(2);
      for (const tick of ticks) expect(tick, id).toMatch(/^\d+ s · (08|09):\d\d$/);
      const zero = ticks.find((x) => x.startsWith('0 s'));
      if (zero !== undefined) expect(zero).toBe('0 s · 08:30');
    }
    // The events table and the breaks name the clock too.
    expect(await page.locator('#events tbody td').first().textContent()).toBe('15 s (08:45)');
    expect((await page.locator('.break .where').allTextContents()).join(' ')).toMatch(/at 15 s \(08:45\) to \d+ s \(08:\d\d\)/);

    // Tables: endpoints, SLOs (one failing), tenant classes, slowest tenants, events; breaks with their summaries.
    expect(await page.locator('#endpoints tbody tr').count()).toBe(2);
    expect(await page.locator('#slo tbody tr').count()).toBe(3);
    expect(await page.locator('#slo .failtxt').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#classes tbody tr').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#tenants tbody tr').count()).toBeGreaterThan(0);
    // The run saturated: the slowest tenants' whole-run p99 sits beside their p99 over the healthy seconds.
    expect(await page.locator('#tenants thead').textContent()).toMatch(/p99, healthy seconds/);
    expect(await page.locator('#events tbody tr').count()).toBe(1);
    const kinds = await page.locator('.break .kind').allTextContents();
    expect(kinds.join(' ')).toMatch(/saturation/);
    expect(kinds.join(' ')).toMatch(/cold-cache/);
    expect(kinds.join(' ')).toMatch(/data-skew/);

    mkdirSync(join(PACKAGE_ROOT, 'test', 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test', 'artifacts', 'report.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('fits 1400 and 760 px wide pages and print, resizes its charts, and syncs one cursor across them', async () => {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    // Any request leaving the file would be refused here and show up above.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-charts="ready"]', { timeout: 15_000 });
    const ids = CHART_IDS;
    // Widest right edge of any chart canvas, and the page's own scroll width, against the viewport.
    const fit = async (): Promise<{ overflow: number; right: number; width: number }> => page.evaluate(`(() => {
      const canvases = [...document.querySelectorAll('.chart canvas')];
      return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        right: Math.max(...canvases.map((c) => c.getBoundingClientRect().right)), width: document.documentElement.clientWidth };
    })()`);
    // The page's CSP forbids eval, so waitForFunction cannot poll: poll with evaluate, for at most 5 s.
    const chartsInside = async (): Promise<void> => {
      for (let i = 0; i < 50; i++) {
        const f = await fit();
        if (f.right <= f.width) return;
        await page.waitForTimeout(100);
      }
    };
    for (const width of [1400, 760]) {
      await page.setViewportSize({ width, height: 900 });
      // The charts follow the page's width on the next animation frame.
      await chartsInside();
      const f = await fit();
      expect(f.overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
      expect(f.right, `a chart past the page at ${width} px`).toBeLessThanOrEqual(f.width);
      for (const id of ids) expect(await page.locator(`#${id} canvas`).count(), `${id} at ${width} px`).toBe(1);
      // The charts added after the first ones: drawn at this width, with points to draw.
      for (const id of NEW_CHART_IDS) {
        expect(await drawnPixels(page, id), `${id} drawn at ${width} px`).toBeGreaterThan(1000);
        expect(Number(await page.locator(`#${id}`).getAttribute('data-points')), `${id} points`).toBeGreaterThan(10);
        const box = (await page.locator(`#${id} canvas`).boundingBox())!;
        expect(box.x + box.width, `${id} inside the page at ${width} px`).toBeLessThanOrEqual(width);
      }
      await page.screenshot({ path: join(PACKAGE_ROOT, 'test', 'artifacts', `report-${width}.png`), fullPage: true });
    }

    // Hovering one chart moves the others' cursors (one sync group), and the legend quotes units.
    const offBefore = await page.locator('#chart-latency .u-cursor-x.u-off').count();
    expect(offBefore).toBe(1);
    const over = page.locator('#chart-rps .u-over');
    await over.scrollIntoViewIfNeeded();
    const b = (await over.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    for (const id of TIME_CHART_IDS.filter((x) => x !== 'chart-rps')) {
      expect(await page.locator(`#${id} .u-cursor-x.u-off`).count(), `${id} cursor follows`).toBe(0);
    }
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test', 'artifacts', 'report-cursor.png') });
    expect(await page.locator('#chart-distribution .u-cursor-x.u-off').count(), 'the distribution keeps its own cursor').toBe(1);
    const legend = (await page.locator('#chart-latency .u-legend').textContent()) ?? '';
    expect(legend).toMatch(/\d ms/);
    expect((await page.locator('#chart-rps .u-legend').textContent()) ?? '').toMatch(/\d rps/);
    // The cursor's time carries the profile clock.
    expect((await page.locator('#chart-rps .u-legend .u-series').first().textContent()) ?? '').toMatch(/\d+ s · (08|09):\d\d/);
    expect((await page.locator('#chart-errors .u-legend').textContent()) ?? '').toMatch(/\d errors\/s/);
    expect((await page.locator('#chart-classes .u-legend').textContent()) ?? '').toMatch(/top 1% p99\S*\s*:?\s*\d+(\.\d+)? ms/);
    // Hovering the distribution: the legend names the percentile and quotes ms for all and each endpoint.
    const dist = page.locator('#chart-distribution .u-over');
    await dist.scrollIntoViewIfNeeded();
    const db = (await dist.boundingBox())!;
    await page.mouse.move(db.x + db.width * 0.6, db.y + db.height / 2);
    const distLegend = (await page.locator('#chart-distribution .u-legend').textContent()) ?? '';
    expect(distLegend).toMatch(/percentile\S*\s*:?\s*\d+(\.\d+)?%/);
    // A latency in the tables' form (fmtMs): `41 ms`, or `2.40 s` from a second on.
    expect(distLegend).toMatch(/all\S*\s*:?\s*\d+(\.\d+)? m?s/);
    expect(distLegend).toMatch(/dashboard/);

    // Printed (A4-ish width), the charts stay inside the page.
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 700, height: 1000 });
    await chartsInside();
    expect((await fit()).overflow).toBeLessThanOrEqual(0);
    expect(requests).toEqual([]);
    await page.close();
  }, 60_000);

  it('renders with scripts disabled: verdict and tables are plain HTML', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const ctx = await browser.newContext({ javaScriptEnabled: false });
      const page = await ctx.newPage();
      await page.goto(pathToFileURL(join(dir, 'report.html')).href);
      expect(await page.locator('#verdict').textContent()).toMatch(/^FAIL/);
      expect(await page.locator('#endpoints tbody tr').count()).toBe(2);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
