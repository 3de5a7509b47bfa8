// The dashboard's charts (issue 11 item 2), drawn with ECharts (served from node_modules by the
// bot: window.echarts). The figures come computed from /api/dashboard/charts.
const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif';
const COLOURS = { red: '#c62828', orange: '#e65100', yellow: '#f9a825', blue: '#1565c0', grey: '#78909c' };
const charts = new Map();

function chart(id) {
  let c = charts.get(id);
  if (!c) {
    c = window.echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    charts.set(id, c);
  }
  return c;
}

const base = {
  textStyle: { fontFamily: FONT },
  grid: { left: 40, right: 16, top: 44, bottom: 28, containLabel: true },
  tooltip: { trigger: 'axis' },
};
const shortDay = (d) => d.slice(5);
/** A centred "暂无数据" over a chart with nothing to draw (an empty axis alone reads as broken). */
const emptyNote = (empty) => ({
  graphic: empty
    ? [
        {
          type: 'text',
          left: 'center',
          top: 'middle',
          style: { text: '暂无数据', fill: '#90a4ae', fontSize: 14, fontFamily: FONT },
        },
      ]
    : [],
});

/** Draws every chart from the API's figures. */
export function drawCharts(f) {
  const days = f.days.map(shortDay);
  const levelColour = ['red', 'orange', 'yellow', 'blue'];
  chart('chart-level').setOption(
    {
      ...base,
      legend: { type: 'scroll', top: 0, textStyle: { fontFamily: FONT } },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', minInterval: 1 },
      series: f.byLevel.map((l, k) => ({
        name: l.name,
        type: 'bar',
        stack: 'n',
        data: l.counts,
        itemStyle: { color: COLOURS[levelColour[k]] ?? COLOURS.grey },
      })),
    },
    true,
  );
  chart('chart-category').setOption(
    {
      ...base,
      ...emptyNote(f.byCategory.every((c) => c.count === 0)),
      tooltip: { trigger: 'item' },
      legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', textStyle: { fontFamily: FONT } },
      series: [
        {
          type: 'pie',
          radius: ['35%', '65%'],
          center: ['35%', '50%'],
          label: { formatter: '{c}', fontFamily: FONT },
          data: f.byCategory.filter((c) => c.count > 0).map((c) => ({ name: c.name, value: c.count })),
        },
      ],
    },
    true,
  );
  chart('chart-ontime').setOption(
    {
      ...base,
      legend: { type: 'scroll', top: 0, textStyle: { fontFamily: FONT } },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: f.onTimeTrend.map((s) => ({
        name: s.name,
        type: 'line',
        connectNulls: false,
        symbolSize: 7,
        // every point drawn, also on a phone (a lone day's rate has no line to show it)
        showAllSymbol: true,
        data: s.rates,
      })),
    },
    true,
  );
  chart('chart-breach').setOption(
    {
      ...base,
      ...emptyNote(f.breachesByUnit.every((u) => u.minor + u.major === 0)),
      legend: { top: 0, textStyle: { fontFamily: FONT } },
      xAxis: { type: 'category', data: f.breachesByUnit.map((u) => u.name) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          name: '轻微',
          type: 'bar',
          stack: 'b',
          data: f.breachesByUnit.map((u) => u.minor),
          itemStyle: { color: COLOURS.yellow },
        },
        {
          name: '重大',
          type: 'bar',
          stack: 'b',
          data: f.breachesByUnit.map((u) => u.major),
          itemStyle: { color: COLOURS.red },
        },
      ],
    },
    true,
  );
  chart('chart-ack').setOption(
    {
      ...base,
      ...emptyNote(f.ackHistogram.every((b) => b.count === 0)),
      xAxis: { type: 'category', data: f.ackHistogram.map((b) => b.label), axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: 'value', minInterval: 1, name: '次' },
      series: [
        { name: '签收次数', type: 'bar', data: f.ackHistogram.map((b) => b.count), itemStyle: { color: COLOURS.blue } },
      ],
    },
    true,
  );
  resizeCharts();
}

/** Fits the charts to their boxes (after a resize or when the tab becomes visible). */
export function resizeCharts() {
  for (const c of charts.values()) c.resize();
}
