/** A named line: [x, y] points. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A named set of bar values, one per category. */
export interface BarGroup {
  readonly name: string;
  readonly values: readonly number[];
}

interface Frame {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
}

const WIDTH = 760;
const HEIGHT = 320;
const PAD = { left: 70, right: 20, top: 34, bottom: 70 };
const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#4b5563',
  '#be185d',
];

/** Escapes text for HTML and SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A line chart as inline SVG, with axes, ticks and a legend. */
export function lineChart(frame: Frame & { readonly series: readonly LineSeries[] }): string {
  const all = frame.series.flatMap((s) => s.points);
  if (all.length === 0) return empty(frame.title);
  const xMax = niceMax(Math.max(...all.map((p) => p[0])));
  const yMax = niceMax(Math.max(...all.map((p) => p[1])));
  const x = (v: number) => PAD.left + (v / xMax) * plotWidth();
  const y = (v: number) => PAD.top + plotHeight() - (v / yMax) * plotHeight();
  const lines = frame.series.map((s, i) => {
    const d = s.points.map(
      (p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`,
    );
    const dots =
      s.points.length <= 12
        ? s.points
            .map(
              (p) =>
                `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${color(i)}"/>`,
            )
            .join('')
        : '';
    return `<path d="${d.join('')}" fill="none" stroke="${color(i)}" stroke-width="2"/>${dots}`;
  });
  return svg(
    frame,
    axes(frame, xMax, yMax) + lines.join(''),
    frame.series.map((s) => s.name),
  );
}

/** A grouped bar chart as inline SVG. */
export function barChart(
  frame: Frame & { readonly categories: readonly string[]; readonly groups: readonly BarGroup[] },
): string {
  const values = frame.groups.flatMap((g) => g.values);
  if (values.length === 0 || frame.categories.length === 0) return empty(frame.title);
  const yMax = niceMax(Math.max(...values));
  const slot = plotWidth() / frame.categories.length;
  const bar = (slot * 0.8) / frame.groups.length;
  const y = (v: number) => PAD.top + plotHeight() - (v / yMax) * plotHeight();
  const bars = frame.groups.flatMap((g, gi) =>
    g.values.map((v, ci) => {
      const left = PAD.left + ci * slot + slot * 0.1 + gi * bar;
      return `<rect x="${left.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${(PAD.top + plotHeight() - y(v)).toFixed(1)}" fill="${color(gi)}"><title>${escapeXml(`${g.name} ${frame.categories[ci] ?? ''}: ${v}`)}</title></rect>`;
    }),
  );
  // Slanted so long category names do not run into each other.
  const labels = frame.categories.map((c, ci) => {
    const x = (PAD.left + (ci + 0.5) * slot).toFixed(1);
    const y = PAD.top + plotHeight() + 14;
    return `<text x="${x}" y="${y}" text-anchor="end" font-size="10" transform="rotate(-15 ${x} ${y})">${escapeXml(c)}</text>`;
  });
  return svg(
    frame,
    axes({ ...frame, xLabel: '' }, 0, yMax) + bars.join('') + labels.join(''),
    frame.groups.map((g) => g.name),
    // Room for the slanted category labels.
    14,
  );
}

function axes(frame: Frame, xMax: number, yMax: number): string {
  const parts: string[] = [];
  const bottom = PAD.top + plotHeight();
  for (let i = 0; i <= 5; i++) {
    const value = (yMax / 5) * i;
    const yy = bottom - (plotHeight() / 5) * i;
    parts.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`,
      `<text x="${PAD.left - 6}" y="${yy + 4}" text-anchor="end" font-size="11">${format(value)}</text>`,
    );
    if (xMax > 0) {
      const xx = PAD.left + (plotWidth() / 5) * i;
      parts.push(
        `<text x="${xx}" y="${bottom + 16}" text-anchor="middle" font-size="11">${format((xMax / 5) * i)}</text>`,
      );
    }
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${bottom}" stroke="#111827"/>`,
    `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${bottom}" y2="${bottom}" stroke="#111827"/>`,
    `<text x="${PAD.left + plotWidth() / 2}" y="${bottom + 34}" text-anchor="middle" font-size="12">${escapeXml(frame.xLabel)}</text>`,
    `<text x="16" y="${PAD.top + plotHeight() / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${PAD.top + plotHeight() / 2})">${escapeXml(frame.yLabel)}</text>`,
  );
  return parts.join('');
}

const LEGEND_ROW = 16;

// Legend entries left to right, wrapping to a new row at the right edge.
function legend(names: readonly string[], top: number): { markup: string; rows: number } {
  let x = PAD.left;
  let row = 0;
  const items = names.map((name, i) => {
    const width = 24 + name.length * 6.2;
    if (x + width > WIDTH - PAD.right && x > PAD.left) {
      x = PAD.left;
      row += 1;
    }
    const y = top + row * LEGEND_ROW;
    const item = `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${color(i)}"/><text x="${x + 14}" y="${y}" font-size="11">${escapeXml(name)}</text>`;
    x += width;
    return item;
  });
  return { markup: items.join(''), rows: row + 1 };
}

function svg(frame: Frame, body: string, names: readonly string[], legendDrop = 0): string {
  const { markup, rows } = legend(names, HEIGHT - 14 + legendDrop);
  const height = HEIGHT + legendDrop + (rows - 1) * LEGEND_ROW;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(frame.title)}" font-family="system-ui, sans-serif"><text x="${PAD.left}" y="20" font-size="14" font-weight="600">${escapeXml(frame.title)}</text>${body}${markup}</svg>`;
}

function empty(title: string): string {
  return `<p class="empty">${escapeXml(title)}: no data in this run.</p>`;
}

function plotWidth(): number {
  return WIDTH - PAD.left - PAD.right;
}

function plotHeight(): number {
  return HEIGHT - PAD.top - PAD.bottom;
}

function color(i: number): string {
  return COLORS[i % COLORS.length] ?? '#000';
}

// The smallest 1, 2 or 5 × 10^n at or above `value`, so ticks are round numbers.
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function format(value: number): string {
  if (value >= 1_000_000) return `${Math.round(value / 100_000) / 10}M`;
  if (value >= 10_000) return `${Math.round(value / 100) / 10}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}
