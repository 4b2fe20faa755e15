/* Charts of the work-discipline pages (ECharts), fed by json_script blocks:
   "meeting-weeks" (weekly count of meetings calling township/project heads) and
   "reception-months" (monthly reception hours, same month last year, target line). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(elementId, option) {
    var el = document.getElementById(elementId);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var weeks = read("meeting-weeks");
  if (weeks) {
    draw("meeting-chart", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 36, right: 16, top: 36, bottom: 56 },
      xAxis: { type: "category", data: weeks.weeks, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", minInterval: 1, name: "次" },
      series: [
        { name: "主要领导召集", type: "bar", stack: "held", data: weeks.by_principal, itemStyle: { color: "#2fb344" } },
        { name: "经批准召集", type: "bar", stack: "held", data: weeks.approved, itemStyle: { color: "#206bc4" } },
        { name: "不予召开", type: "line", data: weeks.refused, itemStyle: { color: "#d63939" } }
      ]
    });
  }

  var months = read("reception-months");
  if (months) {
    draw("reception-chart", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 44, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: months.months },
      yAxis: { type: "value", name: "小时" },
      series: [
        { name: months.year + "年", type: "bar", data: months.hours, itemStyle: { color: "#206bc4" } },
        { name: (months.year - 1) + "年同月", type: "line", data: months.last_year, itemStyle: { color: "#868e96" } },
        { name: "压减目标", type: "line", data: months.target, lineStyle: { type: "dashed" }, itemStyle: { color: "#d63939" } }
      ]
    });
  }
})();
