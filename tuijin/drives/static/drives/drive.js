/* The drive page's charts (ECharts): each target's planned trajectory against the actual,
   week by week. Data comes from the json_script block "drive-data". */
(function () {
  "use strict";
  var source = document.getElementById("drive-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var charts = [];

  document.querySelectorAll(".drive-chart").forEach(function (el) {
    var target = data.targets[parseInt(el.getAttribute("data-index"), 10)];
    if (!target) return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 400,
      textStyle: { fontFamily: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "axis" },
      legend: { data: ["计划", "实际"], top: 0 },
      grid: { left: 48, right: 16, top: 28, bottom: 28 },
      xAxis: { type: "category", data: target.weeks, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", name: target.unit, nameTextStyle: { fontSize: 10 } },
      series: [
        {
          name: "计划",
          type: "line",
          data: target.plan_series,
          showSymbol: false,
          lineStyle: { type: "dashed", color: "#8fa3c7" },
          itemStyle: { color: "#8fa3c7" },
          markLine: {
            silent: true,
            symbol: "none",
            data: [{ yAxis: target.value, name: "目标" }],
            lineStyle: { color: "#d63939" },
            label: { formatter: "目标 {c}", fontSize: 10 },
          },
        },
        {
          name: "实际",
          type: "line",
          data: target.actual_series,
          symbolSize: 4,
          lineStyle: { width: 2, color: "#206bc4" },
          itemStyle: { color: "#206bc4" },
        },
      ],
    });
    charts.push(chart);
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) {
      c.resize();
    });
  });
})();
