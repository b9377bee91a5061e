// Data and options of the utilization chart, kept free of chart.js imports so the
// NPU tab's bundle does not carry Chart.js (UtilizationChart loads it on first show).
import type { ChartData, ChartOptions } from 'chart.js'
import { toDate } from '@/format'
import type { HistoryPoint, HistoryWindow } from '@/types'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Spacing of the time axis' ticks: whole steps, so no two ticks share a label. */
export const TICK_STEP_MS: Record<HistoryWindow, number> = { '1h': 10 * MINUTE, '24h': 4 * HOUR, '7d': DAY }

export function timeLabel(ms: number, window: HistoryWindow): string {
  const d = new Date(ms)
  if (window === '7d') return d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })
  // A day's window spans two midnights: name the day there so the labels stay distinct.
  if (window === '24h' && d.getHours() === 0 && d.getMinutes() === 0)
    return d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

type Pt = { x: number; y: number | null }

function series(points: HistoryPoint[], pick: (p: HistoryPoint) => number | null | undefined): Pt[] {
  const out: Pt[] = []
  for (const p of points) {
    const d = toDate(p.t)
    if (!d) continue
    const v = pick(p)
    out.push({ x: d.getTime(), y: typeof v === 'number' && Number.isFinite(v) ? v : null })
  }
  return out
}

export function chartData(points: HistoryPoint[]): ChartData<'line', Pt[]> {
  return {
    datasets: [
      { label: 'Utilization %', data: series(points, (p) => p.utilization), borderColor: '#2563eb', backgroundColor: 'rgba(37, 99, 235, 0.12)', fill: true, pointRadius: 0, tension: 0.25, yAxisID: 'y' },
      { label: 'Queue depth', data: series(points, (p) => p.queueDepth), borderColor: '#d97706', pointRadius: 0, stepped: true, yAxisID: 'requests' },
      { label: 'Running', data: series(points, (p) => p.running), borderColor: '#16a34a', pointRadius: 0, stepped: true, yAxisID: 'requests' },
      { label: 'Latency ms', data: series(points, (p) => p.latencyMs), borderColor: '#9333ea', borderDash: [4, 3], pointRadius: 0, tension: 0.25, yAxisID: 'latency' },
    ],
  }
}

export function chartOptions(window: HistoryWindow, autoScale: boolean): ChartOptions<'line'> {
  const step = TICK_STEP_MS[window]
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    parsing: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 12 } },
      tooltip: { callbacks: { title: (items) => (items[0] ? new Date(items[0].parsed.x ?? 0).toLocaleString() : '') } },
    },
    scales: {
      x: {
        type: 'linear',
        ticks: { stepSize: step, autoSkip: true, maxTicksLimit: 8, callback: (v) => timeLabel(Number(v), window) },
        afterBuildTicks: (axis) => {
          // Ticks on whole steps only (10 min, 4 h, a day): distinct labels.
          axis.ticks = axis.ticks.filter((t) => t.value % step === 0)
        },
      },
      y: autoScale
        ? { min: 0, suggestedMax: 10, title: { display: true, text: 'utilization %' } }
        : { min: 0, max: 100, title: { display: true, text: 'utilization %' } },
      requests: {
        min: 0,
        suggestedMax: 1,
        position: 'right',
        grid: { drawOnChartArea: false },
        ticks: { precision: 0, stepSize: undefined },
        title: { display: true, text: 'requests' },
      },
      latency: {
        min: 0,
        position: 'right',
        grid: { drawOnChartArea: false },
        ticks: { callback: (v) => `${Number(v)} ms` },
        title: { display: true, text: 'latency' },
      },
    },
  }
}
