/**
 * A small SVG line chart: latency percentiles against offered load, so the saturation knee
 * is visible at a glance. No plotting dependency: the picture is a few dozen elements.
 */
export interface Series {
  name: string;
  colour: string;
  points: { x: number; y: number }[];
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], width = 720, height = 400): string {
  const margin = { left: 70, right: 150, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p.x));
  // Latencies span orders of magnitude across the knee: a log scale keeps both ends readable.
  const minY = Math.max(0.1, Math.min(...all.map((p) => p.y).filter((y) => y > 0), 1));
  const maxY = Math.max(minY * 10, ...all.map((p) => p.y));
  const x = (value: number) => margin.left + (value / maxX) * (width - margin.left - margin.right);
  const y = (value: number) => {
    const span = Math.log10(maxY) - Math.log10(minY);
    const position = (Math.log10(Math.max(value, minY)) - Math.log10(minY)) / span;
    return height - margin.bottom - position * (height - margin.top - margin.bottom);
  };
  const ticks: string[] = [];
  for (let decade = Math.floor(Math.log10(minY)); decade <= Math.ceil(Math.log10(maxY)); decade += 1) {
    const value = 10 ** decade;
    if (value < minY || value > maxY) continue;
    ticks.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>` +
      `<text x="${margin.left - 8}" y="${y(value) + 4}" text-anchor="end" font-size="11">${value}</text>`);
  }
  for (let i = 0; i <= 5; i += 1) {
    const value = Math.round((maxX * i) / 5);
    ticks.push(`<text x="${x(value)}" y="${height - margin.bottom + 18}" text-anchor="middle" font-size="11">${value}</text>`);
  }
  const lines = series.map((s, index) => {
    const path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    const dots = s.points.map((p) => `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${s.colour}"/>`).join('');
    const legendY = margin.top + index * 18;
    return `<path d="${path}" fill="none" stroke="${s.colour}" stroke-width="2"/>${dots}` +
      `<rect x="${width - margin.right + 15}" y="${legendY - 9}" width="12" height="12" fill="${s.colour}"/>` +
      `<text x="${width - margin.right + 32}" y="${legendY + 1}" font-size="12">${s.name}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>${ticks.join('')}` +
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="#333"/>` +
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="#333"/>` +
    `<text x="${(width - margin.right + margin.left) / 2}" y="${height - 12}" text-anchor="middle" font-size="12">${xLabel}</text>` +
    `<text x="16" y="${height / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${height / 2})">${yLabel}</text>` +
    `${lines}</svg>\n`;
}
