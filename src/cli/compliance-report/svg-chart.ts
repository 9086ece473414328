// A small bar chart drawn as inline SVG (no scripts, no external resources) for the self-contained HTML report.
import { esc } from './escape.ts'

export interface Bar {
  label: string
  value: number
}

export interface ChartOptions {
  title: string
  /** Fill of the bars; a CSS colour. */
  color?: string
  width?: number
  height?: number
  /** Unit after the value in each bar's tooltip ("secrets", "requests"). */
  unit?: string
}

const PAD = { top: 28, right: 12, bottom: 44, left: 44 }

/** A round top for the value axis so the gridlines land on readable numbers. */
function niceMax(max: number): number {
  // Counts: never fewer than four units, so the four gridlines fall on whole numbers.
  if (max <= 4) return 4
  const magnitude = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude
  return 10 * magnitude
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))

/**
 * One `<rect class="bar">` per bar, a zero-height one for an empty bar, so a chart of a quiet window still shows its
 * days. Labels are thinned to about twelve so a 366-day chart stays legible; every bar keeps a tooltip (`<title>`).
 */
export function barChart(bars: readonly Bar[], options: ChartOptions): string {
  const width = options.width ?? 640
  const height = options.height ?? 220
  const color = options.color ?? '#3b6ea5'
  const plotW = width - PAD.left - PAD.right
  const plotH = height - PAD.top - PAD.bottom
  const max = niceMax(Math.max(0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))))
  const slot = bars.length > 0 ? plotW / bars.length : plotW
  const barW = Math.max(1, slot * 0.8)
  const every = Math.max(1, Math.ceil(bars.length / 12))
  const parts: string[] = []
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(options.title)}">`,
    `<title>${esc(options.title)}</title>`,
    `<text x="${PAD.left}" y="16" class="chart-title">${esc(options.title)}</text>`,
  )
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + plotH - (plotH * i) / 4
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="axis">${fmt((max * i) / 4)}</text>`,
    )
  }
  bars.forEach((bar, i) => {
    const value = Number.isFinite(bar.value) && bar.value > 0 ? bar.value : 0
    const h = (plotH * value) / max
    const x = PAD.left + i * slot + (slot - barW) / 2
    const y = PAD.top + plotH - h
    parts.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${esc(color)}" data-label="${esc(bar.label)}" data-value="${value}"><title>${esc(bar.label)}: ${value}${options.unit ? ` ${esc(options.unit)}` : ''}</title></rect>`,
    )
    if (i % every === 0)
      parts.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${PAD.top + plotH + 14}" text-anchor="middle" class="axis">${esc(bar.label)}</text>`,
      )
  })
  parts.push('</svg>')
  return parts.join('')
}
