/* The cockpit's charts (ECharts). Data comes from the json_script block "cockpit-data";
   every clickable element carries the URL of the project list behind it, computed server-side. */
(function () {
  "use strict";
  var source = document.getElementById("cockpit-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var dark = document.body.classList.contains("screen");
  var theme = dark ? "dark" : null;
  var text = dark ? "#c9d6ee" : "#495057";
  var grid = dark ? "rgba(255,255,255,.08)" : "#e9ecef";
  var base = { backgroundColor: "transparent", textStyle: { fontFamily: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" } };
  var charts = [];

  function money(v) {
    return v === null || v === undefined ? "—" : Math.round(v).toLocaleString("zh-CN");
  }

  function make(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = echarts.init(el, theme, { renderer: "canvas" });
    chart.setOption(Object.assign({}, base, option));
    if (onClick) {
      chart.on("click", onClick);
      chart.getZr().on("mousemove", function (e) {
        el.style.cursor = e.target ? "pointer" : "default";
      });
    }
    charts.push(chart);
    return chart;
  }

  function go(url) {
    if (url) window.location.href = url;
  }

  // Projects by stage: the funnel 在谈 → 已签约 → 已开工 → 已竣工/投产.
  make("chart-funnel", {
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        return p.name + "<br>" + p.data.count + " 个项目<br>总投资 " + money(p.data.investment) + " 万元";
      }
    },
    color: ["#5b8ff9", "#61ddaa", "#f6bd16", "#2fb344"],
    series: [{
      type: "funnel",
      left: "8%", right: "8%", top: 10, bottom: 10,
      sort: "none", gap: 3, minSize: dark ? "28%" : "42%", maxSize: "100%", min: 0, max: data.funnel.length,
      label: { show: true, position: "inside", color: "#fff", fontSize: dark ? 16 : 13,
        formatter: function (p) { return p.name + "  " + p.data.count + " 个"; } },
      itemStyle: { borderWidth: 0 },
      // The funnel keeps its shape (stage order); each layer is labelled with its real count.
      data: data.funnel.map(function (s, i) {
        return Object.assign({}, s, { value: data.funnel.length - i });
      })
    }]
  }, function (p) { go(p.data && p.data.url); });

  // Lights by township and platform: stacked bars, one colour per light.
  var lights = data.lights;
  make("chart-lights", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, textStyle: { color: text } },
    grid: { left: 10, right: 20, containLabel: true, top: 36, bottom: lights.units.length > 12 ? 70 : 40 },
    xAxis: { type: "category", data: lights.units,
      axisLabel: { color: text, interval: 0, rotate: lights.units.length > 12 ? 35 : 0 } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { color: text },
      splitLine: { lineStyle: { color: grid } } },
    series: lights.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "lights", barMaxWidth: 36,
        itemStyle: { color: s.color }, data: s.data, urls: s.urls };
    })
  }, function (p) {
    var series = lights.series[p.seriesIndex];
    go(series && series.urls[p.dataIndex]);
  });

  // Investment by month: completed per month (bars), cumulative, plan × month / 12 (序时).
  var m = data.monthly;
  make("chart-invest", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return money(v) + " 万元"; } },
    legend: { top: 0, textStyle: { color: text } },
    grid: { left: 10, right: 20, top: 40, bottom: 10, containLabel: true },
    xAxis: { type: "category", data: m.months, axisLabel: { color: text } },
    yAxis: { type: "value", axisLabel: { color: text, formatter: function (v) { return money(v); } },
      splitLine: { lineStyle: { color: grid } } },
    series: [
      { name: "当月完成", type: "bar", data: m.invested, itemStyle: { color: "#5b8ff9" }, barMaxWidth: 28 },
      { name: "累计完成", type: "line", data: m.cumulative, smooth: true, symbolSize: 7,
        itemStyle: { color: "#f6bd16" }, lineStyle: { width: 3 } },
      { name: "序时进度", type: "line", data: m.timeline, symbol: "none",
        lineStyle: { type: "dashed", width: 2, color: "#e8684a" }, itemStyle: { color: "#e8684a" } },
      { name: "年度计划", type: "line", data: m.months.map(function () { return m.plan; }), symbol: "none",
        lineStyle: { type: "dotted", width: 1.5, color: dark ? "#8fa3c7" : "#adb5bd" },
        itemStyle: { color: dark ? "#8fa3c7" : "#adb5bd" } }
    ]
  }, function () { go(m.url); });

  // Supervision orders and assignments by status: a ring; each slice opens the order list.
  if (data.orders) {
    make("chart-orders", {
      tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
      legend: { bottom: 0, textStyle: { color: text } },
      series: [{
        type: "pie", radius: ["42%", "70%"], center: ["50%", "44%"],
        label: { color: text, formatter: "{b} {c}" },
        data: data.orders.map(function (o) {
          return { name: o.name, value: o.value, url: o.url, itemStyle: { color: o.color } };
        })
      }]
    }, function (p) { go(p.data && p.data.url); });
  }

  // The league table's scores, best on top; a click opens the full table with its formula.
  if (data.league) {
    make("chart-league", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 110, right: 40, top: 10, bottom: 20 },
      xAxis: { type: "value", max: 100, axisLabel: { color: text }, splitLine: { lineStyle: { color: grid } } },
      yAxis: { type: "category", data: data.league.units, axisLabel: { color: text } },
      series: [{ type: "bar", data: data.league.scores, barMaxWidth: 18, itemStyle: { color: "#5b8ff9" },
        label: { show: true, position: "right", color: text } }]
    }, function () { go(data.league.url); });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });

  // Big screen: reload every few minutes so the command room always shows today's figures.
  var refresh = parseInt(document.body.dataset.refreshSeconds || "0", 10);
  if (refresh > 0) {
    window.setTimeout(function () { window.location.reload(); }, refresh * 1000);
  }
})();
