import { fmtMs } from '../core/duration.js';
import { fmtPlotted, fmtRps } from '../core/numbers.js';

/**
 * The chart legends' value formatter as browser JavaScript, generated from the
 * formatters of src/core (their compiled source: they use nothing but
 * built-ins), so the page and the terminal cannot drift:
 * `legendValue(v, unit)` is fmtMs for ms, fmtRps for rps, else fmtPlotted and
 * the unit; `-` for null.
 */
export const CLIENT_FORMATTERS = [
  `var fmtMs = ${fmtMs.toString()};`,
  `var fmtRps = ${fmtRps.toString()};`,
  `var fmtPlotted = ${fmtPlotted.toString()};`,
  "function legendValue(v, unit) { return v === null || v === undefined ? '-' : unit === 'ms' ? fmtMs(v) : unit === 'rps' ? fmtRps(v) : fmtPlotted(v) + ' ' + unit; }",
].join('\n');

/**
 * The report page's script (plain browser JavaScript, kept as a string and
 * inlined into report.html after uPlot). It reads the JSON in
 * `#prodshape-data` and draws the charts; every table and the verdict are
 * already in the HTML, so the page reads without it. Markers: events as
 * blue dashed lines, breaks as red lines, cold windows and saturation
 * stretches as shaded spans. When the profile has a clock, the x axes'
 * ticks and the cursor read `95 s · 09:12`.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
${CLIENT_FORMATTERS}
  var data = JSON.parse(document.getElementById('prodshape-data').textContent);
  var palette = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

  function markers(u) {
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    (data.spans || []).forEach(function (s) {
      var x0 = u.valToPos(s.from, 'x', true), x1 = u.valToPos(s.to, 'x', true);
      ctx.fillStyle = s.kind === 'cold-cache' ? 'rgba(37,99,235,0.08)' : 'rgba(220,38,38,0.08)';
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
    });
    ctx.font = (10 * devicePixelRatio) + 'px sans-serif';
    ctx.lineWidth = devicePixelRatio;
    // Each label takes the first row where it overlaps no label already drawn.
    var rows = [];
    (data.marks || []).forEach(function (m) {
      var x = u.valToPos(m.t, 'x', true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.strokeStyle = m.kind === 'event' ? '#2563eb' : '#dc2626';
      ctx.fillStyle = ctx.strokeStyle;
      ctx.setLineDash(m.kind === 'event' ? [4 * devicePixelRatio, 3 * devicePixelRatio] : []);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + h);
      ctx.stroke();
      var x0 = x + 3 * devicePixelRatio, x1 = x0 + ctx.measureText(m.label).width;
      var row = 0;
      while ((rows[row] || []).some(function (r) { return x0 < r[1] && r[0] < x1; })) row++;
      (rows[row] = rows[row] || []).push([x0, x1 + 4 * devicePixelRatio]);
      ctx.fillText(m.label, x0, top + (12 + row * 11) * devicePixelRatio);
    });
    ctx.restore();
  }

  // The profile clock by whole second (none: plain seconds).
  var clockOf = {};
  (data.clock || []).forEach(function (c) { clockOf[c[0]] = c[1]; });
  var hasClock = (data.clock || []).length > 0;
  function timeText(v) {
    if (v === null || v === undefined) return '-';
    var c = clockOf[Math.round(v)];
    return Math.round(v) + ' s' + (c ? ' · ' + c : '');
  }
  // With the clock the labels are wider: ticks further apart. The labels drawn are kept in the chart's data-x-ticks (tests read them).
  var xAxis = hasClock
    ? { label: 'seconds since start · profile clock', space: 110, values: function (u, splits) {
      var labels = splits.map(timeText);
      if (u.root && u.root.parentNode) u.root.parentNode.setAttribute('data-x-ticks', labels.join('|'));
      return labels;
    } }
    : { label: 'seconds since start' };

  function zeroBased(u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; }

  // Legend values with their unit, in the forms the tables use: '41 ms', '2.10 s', '41.2 rps', '3.25 errors/s'.
  function withUnit(unit) {
    return function (u, v) { return legendValue(v, unit); };
  }

  // Every chart joins one cursor sync group: hovering one moves the others' cursors.
  var sync = uPlot.sync('prodshape');
  var charts = [];
  function widthOf(el) { return Math.max(240, Math.floor(el.clientWidth || 900) - 12); }
  function resizeAll() {
    charts.forEach(function (c) { c.u.setSize({ width: widthOf(c.el), height: c.height }); });
  }
  if (typeof ResizeObserver === 'function') {
    var pending = false;
    new ResizeObserver(function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; resizeAll(); });
    }).observe(document.querySelector('main') || document.body);
  } else {
    window.addEventListener('resize', resizeAll);
  }
  window.addEventListener('beforeprint', resizeAll);

  // Values a chart plots (non-null y values over all its series), for tests and for a reader's devtools.
  function countPoints(cols) {
    return cols.slice(1).reduce(function (n, col) { return n + col.filter(function (v) { return v !== null && v !== undefined; }).length; }, 0);
  }

  function chart(id, title, series, cols, opts) {
    var el = document.getElementById(id);
    if (!el) return;
    var height = opts.height || 260;
    var unitOf = function (i) { return (opts.y2 || []).indexOf(i) >= 0 ? (opts.y2Unit || opts.unit) : opts.unit; };
    var u = new uPlot({
      title: title,
      width: widthOf(el),
      height: height,
      cursor: { sync: { key: sync.key, setSeries: true } },
      scales: {
        x: { time: false },
        y: opts.log ? { distr: 3, log: 10 } : { auto: true, range: zeroBased },
        y2: { auto: true, range: zeroBased },
      },
      axes: [xAxis, { label: opts.yLabel, size: 70 }].concat(opts.y2Label ? [{ scale: 'y2', side: 1, label: opts.y2Label, size: 60, grid: { show: false } }] : []),
      series: [{ label: 't', value: function (u, v) { return timeText(v); } }].concat(series.map(function (s, i) {
        var dashed = (opts.dash || []).indexOf(i) >= 0;
        return { label: s, scale: (opts.y2 || []).indexOf(i) >= 0 ? 'y2' : 'y', value: withUnit(unitOf(i)), stroke: (opts.colors || palette)[i % palette.length], width: 1.5, dash: dashed ? [5, 4] : undefined, spanGaps: false, points: { show: false } };
      })),
      hooks: { draw: [markers] },
    }, cols, el);
    charts.push({ u: u, el: el, height: height });
    el.setAttribute('data-rendered', 'true');
    el.setAttribute('data-points', String(countPoints(cols)));
    return u;
  }

  // The HDR percentile plot: latency against percentile on a log axis (x = 1/(1 - p), positions and
  // tick labels computed by the report), one line per endpoint plus all. Its x is no time, so it
  // stays out of the time charts' cursor sync group.
  function percentileChart(id, d) {
    var el = document.getElementById(id);
    if (!el || !d) return;
    var height = 280, last = d.ticks[d.ticks.length - 1].x;
    var tickLabel = function (v) {
      var tick = d.ticks.filter(function (k) { return Math.abs(k.x - v) <= v * 1e-9; })[0];
      return tick ? tick.label : '';
    };
    var u = new uPlot({
      title: 'Latency by percentile (log scales)',
      width: widthOf(el),
      height: height,
      scales: { x: { time: false, distr: 3, log: 10, range: function () { return [1, last]; } }, y: { distr: 3, log: 10 } },
      axes: [
        { label: 'percentile', splits: function () { return d.ticks.map(function (k) { return k.x; }); }, values: function (u, splits) { return splits.map(tickLabel); } },
        { label: 'ms', size: 70 },
      ],
      series: [{ label: 'percentile', value: function (u, v, s, i) { return i === null || i === undefined ? '-' : d.labels[i]; } }].concat(d.series.map(function (s, k) {
        return { label: s.name, value: withUnit('ms'), stroke: k === 0 ? '#111827' : palette[(k - 1) % palette.length], width: k === 0 ? 2 : 1.5, spanGaps: false, points: { show: false } };
      })),
    }, [d.x].concat(d.series.map(function (s) { return s.ms.map(pos); })), el);
    charts.push({ u: u, el: el, height: height });
    el.setAttribute('data-rendered', 'true');
    el.setAttribute('data-points', String(countPoints([d.x].concat(d.series.map(function (s) { return s.ms; })))));
    return u;
  }

  var t = data.timeline.map(function (r) { return r.t_s; });
  var pos = function (v) { return v === null || v <= 0 ? null : v; };
  chart('chart-rps', 'Offered and achieved requests per second', ['offered rps', 'achieved rps', 'errors/s'], [
    t,
    data.timeline.map(function (r) { return r.offered_rps; }),
    data.timeline.map(function (r) { return r.achieved_rps; }),
    data.timeline.map(function (r) { return r.errors; }),
  ], { yLabel: 'rps', unit: 'rps', colors: ['#4b5563', '#16a34a', '#dc2626'] });
  chart('chart-latency', 'Latency from intended send time (log scale)', ['p50', 'p95', 'p99'], [
    t,
    data.timeline.map(function (r) { return pos(r.p50_ms); }),
    data.timeline.map(function (r) { return pos(r.p95_ms); }),
    data.timeline.map(function (r) { return pos(r.p99_ms); }),
  ], { yLabel: 'ms', unit: 'ms', log: true, colors: ['#16a34a', '#d97706', '#dc2626'] });
  var names = Object.keys(data.endpoint_timeline || {});
  if (names.length > 1) {
    chart('chart-endpoints', 'p99 by endpoint (log scale)', names, [t].concat(names.map(function (n) {
      var e = data.endpoint_timeline[n];
      return t.map(function (_, i) { return e ? pos(e.p99_ms[i]) : null; });
    })), { yLabel: 'ms', unit: 'ms', log: true });
  }
  if (names.length > 1) {
    // Per endpoint: achieved requests/s (solid) and errors/s (dashed, same colour).
    var cols = [t], labels = [], colors = [], dash = [];
    names.forEach(function (n, k) {
      var e = data.endpoint_timeline[n];
      labels.push(n + ' rps', n + ' errors/s');
      colors.push(palette[k % palette.length], palette[k % palette.length]);
      dash.push(2 * k + 1);
      cols.push(t.map(function (_, i) { return e ? e.achieved_rps[i] : null; }));
      cols.push(t.map(function (_, i) { return e ? e.errors[i] : null; }));
    });
    chart('chart-endpoint-rps', 'Requests/s and errors/s by endpoint', labels, cols, { yLabel: 'per second', unit: '/s', colors: colors, dash: dash });
  }
  // Errors/s by class (4xx and 5xx are the HTTP status classes): one line per class that occurred.
  var errorColors = { connect: '#7c3aed', reset: '#db2777', timeout: '#d97706', '4xx': '#0891b2', '5xx': '#dc2626', other: '#4b5563', aborted: '#92400e' };
  var errorClasses = Object.keys(data.error_timeline || {});
  if (errorClasses.length > 0) {
    chart('chart-errors', 'Errors per second by class', errorClasses, [t].concat(errorClasses.map(function (c) {
      var col = data.error_timeline[c];
      return t.map(function (_, i) { return col[i] === undefined ? null : col[i]; });
    })), { yLabel: 'errors/s', unit: 'errors/s', colors: errorClasses.map(function (c) { return errorColors[c] || '#4b5563'; }), height: 220 });
  }
  percentileChart('chart-distribution', data.distribution);
  // p99 per tenant size class over bins of seconds (the skewed endpoint's, else all endpoints'): the skew shows as a line that stays above.
  var classText = { top1: 'top 1% p99', top10: 'top 10% p99', rest: 'rest p99', empty: 'empty p99' };
  var classColors = { top1: '#dc2626', top10: '#d97706', rest: '#16a34a', empty: '#7c3aed' };
  if (data.classes) {
    var cls = Object.keys(data.classes.p99_ms);
    chart('chart-classes', 'p99 by tenant size class (log scale, ' + data.classes.bin_s + '-s bins)', cls.map(function (c) { return classText[c] || c; }),
      [data.classes.t_s].concat(cls.map(function (c) { return data.classes.p99_ms[c].map(pos); })),
      { yLabel: 'ms', unit: 'ms', log: true, colors: cls.map(function (c) { return classColors[c] || '#4b5563'; }) });
  }
  if (data.pool && data.pool.length > 0) {
    chart('chart-pool', 'Pool gauges', ['in use', 'waiting', 'size'], [
      data.pool.map(function (p) { return p.t_s; }),
      data.pool.map(function (p) { return p.in_use; }),
      data.pool.map(function (p) { return p.waiting; }),
      data.pool.map(function (p) { return p.size; }),
    ], { yLabel: 'connections', unit: 'conn', y2Unit: 'waiting', y2Label: 'waiting', y2: [1], colors: ['#2563eb', '#dc2626', '#4b5563'], height: 220 });
  }
  document.body.setAttribute('data-charts', 'ready');
})();
`;
