/* The statistics page's trend chart (ECharts): data from the json_script "appeal-stats-data". */
(function () {
  "use strict";
  var source = document.getElementById("appeal-stats-data");
  var el = document.getElementById("appeal-trend");
  if (!source || !el || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    textStyle: { fontFamily: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: 32 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "件", minInterval: 1 },
      { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } }
    ],
    series: [
      { name: "受理", type: "bar", data: data.received, itemStyle: { color: "#5b8ff9" }, barMaxWidth: 28 },
      { name: "办结", type: "bar", data: data.resolved, itemStyle: { color: "#61ddaa" }, barMaxWidth: 28 },
      { name: "办结及时率", type: "line", yAxisIndex: 1, data: data.on_time, connectNulls: true, itemStyle: { color: "#f6bd16" } },
      { name: "满意率", type: "line", yAxisIndex: 1, data: data.satisfaction, connectNulls: true, itemStyle: { color: "#e8684a" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
