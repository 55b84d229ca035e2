/** One line of a chart: a hit ratio (0 … 1) per cache size. */
export interface Series {
  name: string;
  ratios: number[];
  /** Reference lines (LRU, OPT) are dashed. */
  reference?: boolean;
  /** The line's colour (by default from the palette; reference lines grey, OPT black). */
  color?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 640;
const H = 400;
const LEFT = 56;
const RIGHT = 150;
const TOP = 36;
const BOTTOM = 48;

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A self-contained SVG line chart of hit ratio against cache size, one line
 * per series (dashed for the reference lines), with a legend on the right.
 * The y axis spans 0 … 100 % rounded out to tens around the data.
 */
export function hitRatioChart(title: string, sizes: number[], series: Series[]): string {
  const all = series.flatMap((s) => s.ratios.map((r) => r * 100));
  const yMin = Math.max(0, Math.floor(Math.min(...all) / 10) * 10);
  const yMax = Math.min(100, Math.ceil(Math.max(...all) / 10) * 10);
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const xMin = sizes[0] as number;
  const xMax = sizes[sizes.length - 1] as number;
  const x = (size: number) => LEFT + ((size - xMin) / (xMax - xMin || 1)) * plotW;
  const y = (pct: number) => TOP + (1 - (pct - yMin) / (yMax - yMin || 1)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let pct = yMin; pct <= yMax; pct += 10) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(pct)}" y2="${y(pct)}" stroke="#e5e5e5"/>`,
      `<text x="${LEFT - 6}" y="${y(pct) + 4}" text-anchor="end">${pct}%</text>`,
    );
  }
  for (const size of sizes) {
    out.push(
      `<line x1="${x(size)}" x2="${x(size)}" y1="${TOP + plotH}" y2="${TOP + plotH + 4}" stroke="#333"/>`,
      `<text x="${x(size)}" y="${TOP + plotH + 18}" text-anchor="middle">${size}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#333"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotH}" stroke="#333"/>`,
    `<text x="${LEFT + plotW / 2}" y="${H - 8}" text-anchor="middle">cache size (entries)</text>`,
    `<text x="14" y="${TOP + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${TOP + plotH / 2})">hit ratio</text>`,
  );
  series.forEach((s, i) => {
    const color =
      s.color ?? (s.reference ? (s.name === 'OPT' ? '#000' : '#777') : COLORS[i % COLORS.length]);
    const dash = s.reference ? ' stroke-dasharray="6 4"' : '';
    const points = s.ratios.map(
      (r, j) => `${x(sizes[j] as number).toFixed(1)},${y(r * 100).toFixed(1)}`,
    );
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.join(' ')}"/>`,
    );
    for (const p of points) {
      const [px, py] = p.split(',');
      out.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`);
    }
    const ly = TOP + 10 + i * 20;
    out.push(
      `<line x1="${W - RIGHT + 16}" x2="${W - RIGHT + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${W - RIGHT + 46}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
