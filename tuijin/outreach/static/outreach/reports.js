/* The outreach report's funnel (ECharts): data from the json_script "outreach-data". */
(function () {
  "use strict";
  var source = document.getElementById("outreach-data");
  var el = document.getElementById("outreach-funnel");
  if (!source || !el || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    textStyle: { fontFamily: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
    tooltip: { trigger: "item", formatter: "{b}：{c}" },
    color: ["#5b8ff9", "#61ddaa", "#f6bd16", "#e8684a"],
    series: [{
      name: "线索转化",
      type: "funnel",
      sort: "none",
      left: "10%",
      width: "80%",
      minSize: "10%",
      label: { show: true, position: "inside", formatter: "{b} {c}" },
      data: data.funnel
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
