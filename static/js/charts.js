// Draw the diary's charts from the page's <script type="application/json" id="chart-data">.
// No inline script anywhere, so the strict Content-Security-Policy holds.
(function () {
  "use strict";

  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const charts = [];
  // The page's words (templates/_words.html) and its language, for labels, days and months.
  const words = JSON.parse((document.getElementById("words") || {}).textContent || "{}");
  const say = (key) => words[key] || key;
  const lang = document.documentElement.lang || "en";
  const tickDay = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
  const fullDay = new Intl.DateTimeFormat(lang, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const monthYear = new Intl.DateTimeFormat(lang, { month: "short", year: "numeric" });

  function palette() {
    const style = getComputedStyle(document.documentElement);
    const read = (name) => style.getPropertyValue(name).trim();
    return {
      text: read("--text"),
      muted: read("--muted"),
      line: read("--line"),
      accent: read("--accent"),
      high: read("--chart-high") || read("--error"),
      band: read("--chart-band"),
      marker: read("--warn-text"),
      preventive: read("--ok-text"),
      series: [read("--accent"), read("--chart-high"), read("--warn-text"), read("--muted"), read("--ok-text")],
    };
  }

  function baseOptions(colors) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { labels: { color: colors.text, boxWidth: 14 } },
        tooltip: { mode: "index", intersect: false },
      },
      scales: {},
    };
  }

  function axis(colors, extra) {
    return Object.assign(
      { ticks: { color: colors.muted }, grid: { color: colors.line }, border: { color: colors.line } },
      extra
    );
  }

  function nextDay(isoDate) {
    const day = new Date(isoDate + "T00:00:00");
    day.setDate(day.getDate() + 1);
    return day;
  }

  function treatmentAnnotations(colors) {
    const annotations = {};
    (data.treatments || []).forEach(function (t, i) {
      annotations["band" + i] = {
        type: "box",
        xMin: t.start + "T00:00:00",
        xMax: nextDay(t.end),
        backgroundColor: colors.band,
        borderWidth: 0,
        // The short name, a lane lower for each of up to three neighbours so that names never
        // overlap; the full name is in the legend below the chart and in the tooltip.
        label: { display: true, content: t.short, position: "start", yAdjust: (i % 3) * 16, color: colors.text, font: { size: 11 } },
      };
      if (t.follow_up) {
        annotations["follow" + i] = {
          type: "line",
          xMin: t.follow_up + "T12:00:00",
          xMax: t.follow_up + "T12:00:00",
          borderColor: colors.marker,
          borderDash: [6, 4],
          borderWidth: 2,
          label: { display: true, content: say("follow_up"), position: "end", color: colors.text, backgroundColor: colors.band, font: { size: 11 } },
        };
      }
    });
    // Preventives: thin bands along the bottom, under the treatments, one lane each.
    (data.preventives || []).forEach(function (p, i) {
      annotations["preventive" + i] = {
        type: "box",
        xMin: p.start + "T00:00:00",
        xMax: nextDay(p.end),
        yMin: i * 0.3,
        yMax: i * 0.3 + 0.2,
        backgroundColor: colors.preventive,
        borderWidth: 0,
        label: { display: false, content: p.label },
      };
    });
    return annotations;
  }

  function treatmentsOn(day) {
    const iso = day.toISOString().slice(0, 10);
    return (data.treatments || []).filter((t) => t.start <= iso && iso <= t.end).map((t) => t.label);
  }

  function painChart(canvas, colors) {
    const points = data.pain || [];
    const series = (key) => points.map((p) => ({ x: p.date + "T12:00:00", y: p[key] }));
    const options = baseOptions(colors);
    options.scales = {
      x: axis(colors, {
        type: "time",
        time: { unit: points.length > 120 ? "month" : "week" },
        ticks: { color: colors.muted, callback: (value) => (points.length > 120 ? monthYear : tickDay).format(new Date(value)) },
      }),
      y: axis(colors, { min: 0, max: 10, title: { display: true, text: say("pain_axis"), color: colors.muted } }),
    };
    options.plugins.annotation = { annotations: treatmentAnnotations(colors) };
    options.plugins.tooltip.callbacks = {
      title: (items) => (items.length ? fullDay.format(new Date(items[0].parsed.x)) : ""),
      // The full names of the treatments that day belongs to.
      footer: (items) => (items.length ? treatmentsOn(new Date(items[0].parsed.x)) : []),
    };
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: say("daily_mean"), data: series("mean"), borderColor: colors.accent, backgroundColor: colors.accent, pointRadius: 2, borderWidth: 1, spanGaps: false },
          { label: say("daily_highest"), data: series("max"), borderColor: colors.high, backgroundColor: colors.high, pointRadius: 2, showLine: false },
          { label: say("rolling_mean"), data: series("rolling"), borderColor: colors.text, pointRadius: 0, borderWidth: 3, spanGaps: true },
        ],
      },
      options: options,
    });
  }

  function monthsChart(canvas, colors) {
    const months = data.months || [];
    const options = baseOptions(colors);
    options.scales = { x: axis(colors, {}), y: axis(colors, { beginAtZero: true, ticks: { color: colors.muted, precision: 0 } }) };
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: months.map((m) => monthYear.format(new Date(m.month + "-15T12:00:00"))),
        datasets: [
          { label: say("headache_days"), data: months.map((m) => m.headache), backgroundColor: colors.accent },
          { label: say("moderate_severe"), data: months.map((m) => m.moderate_severe), backgroundColor: colors.high },
          { label: say("logged_days"), data: months.map((m) => m.logged), backgroundColor: colors.line },
        ],
      },
      options: options,
    });
  }

  function effectsChart(canvas, colors) {
    const rows = data.side_effects || [];
    const codes = Array.from(new Set(rows.flatMap((r) => Object.keys(r.counts)))).sort();
    const options = baseOptions(colors);
    options.indexAxis = "y";
    options.scales = {
      x: axis(colors, { stacked: true, beginAtZero: true, ticks: { color: colors.muted, precision: 0 } }),
      y: axis(colors, { stacked: true }),
    };
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label),
        datasets: codes.map((code, i) => ({
          label: (data.effect_labels || {})[code] || code,
          data: rows.map((r) => r.counts[code] || 0),
          backgroundColor: colors.series[i % colors.series.length],
        })),
      },
      options: options,
    });
  }

  function outcomeChart(canvas, colors) {
    // Bars and their labels come from the page (trends.outcome_bars): defined once, in Python.
    const bars = data.outcome;
    const fill = { before: colors.muted, day: colors.high, after: colors.accent };
    const options = baseOptions(colors);
    options.plugins.legend = { display: false };
    options.scales = { x: axis(colors, {}), y: axis(colors, { min: 0, max: 10, title: { display: true, text: say("pain_axis"), color: colors.muted } }) };
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: bars.map((b) => b.label),
        datasets: [{ label: say("pain"), data: bars.map((b) => b.value), backgroundColor: bars.map((b) => fill[b.kind]) }],
      },
      options: options,
    });
  }

  const builders = {
    "pain-chart": painChart,
    "months-chart": monthsChart,
    "effects-chart": effectsChart,
    "outcome-chart": outcomeChart,
  };

  function drawAll() {
    charts.splice(0).forEach((chart) => chart.destroy());
    const colors = palette();
    Object.keys(builders).forEach(function (id) {
      const canvas = document.getElementById(id);
      if (canvas) {
        charts.push(builders[id](canvas, colors));
      }
    });
  }

  drawAll();
  // Redraw with the other palette when the system switches between light and dark.
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawAll);
  // Fit the canvases to the printed page, then back to the screen.
  window.addEventListener("beforeprint", () => charts.forEach((chart) => chart.resize()));
  window.addEventListener("afterprint", () => charts.forEach((chart) => chart.resize()));
})();
