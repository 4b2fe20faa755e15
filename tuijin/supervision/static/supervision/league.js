/* The league table's bar chart of scores (ECharts). Data comes from the json_script block
   "league-data"; the user's own unit is drawn in a stronger colour. */
(function () {
  "use strict";
  var source = document.getElementById("league-data");
  var el = document.getElementById("league-chart");
  if (!source || !el || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 16, top: 24, bottom: 48 },
    xAxis: { type: "category", data: data.units, axisLabel: { interval: 0, rotate: data.units.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", min: 0, max: 100, name: "得分" },
    series: [{
      type: "bar",
      name: "得分",
      label: { show: true, position: "top" },
      data: data.scores.map(function (score, i) {
        return { value: score, itemStyle: { color: data.own[i] ? "#f2b01e" : "#206bc4" } };
      })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
