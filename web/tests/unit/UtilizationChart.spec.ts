import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chartData, chartOptions, TICK_STEP_MS, timeLabel } from '@/components/npu/utilizationChartConfig'
import type { HistoryPoint } from '@/types'

const points: HistoryPoint[] = Array.from({ length: 360 }, (_, i) => ({
  t: new Date(Date.UTC(2026, 1, 4, 10, 0, i * 10)).toISOString(),
  utilization: 20 + (i % 7),
  queueDepth: i % 3,
  running: i % 2,
  latencyMs: 40 + i,
}))

describe('UtilizationChart', () => {
  it('plots utilization, queue depth, running and latency', () => {
    const d = chartData(points)
    expect(d.datasets.map((s) => s.label)).toEqual(['Utilization %', 'Queue depth', 'Running', 'Latency ms'])
    expect(d.datasets[2].data[1]).toEqual({ x: Date.parse(points[1].t as string), y: 1 })
    expect(d.datasets[3].data[0].y).toBe(40)
    expect(d.datasets[3].yAxisID).toBe('latency')
    expect(d.datasets[1].yAxisID).toBe('requests')
    expect(d.datasets[2].yAxisID).toBe('requests')
  })

  it('counts the queue axis in whole requests', () => {
    const o = chartOptions('1h', false)
    const requests = o.scales!.requests as { ticks: { precision: number } }
    expect(requests.ticks.precision).toBe(0)
  })

  it('puts time ticks on whole steps so no two share a label', () => {
    for (const w of ['1h', '24h', '7d'] as const) {
      const o = chartOptions(w, false)
      const x = o.scales!.x as { afterBuildTicks: (a: { ticks: { value: number }[] }) => void }
      const start = Date.UTC(2026, 1, 4, 0, 0, 0)
      const span = w === '1h' ? 3600e3 : w === '24h' ? 86400e3 : 7 * 86400e3
      // ticks Chart.js might build at an odd spacing
      const axis = { ticks: Array.from({ length: 50 }, (_, i) => ({ value: start + Math.round((i * span) / 49) })) }
      x.afterBuildTicks(axis)
      const labels = axis.ticks.map((t) => timeLabel(t.value, w))
      expect(axis.ticks.every((t) => t.value % TICK_STEP_MS[w] === 0)).toBe(true)
      expect(new Set(labels).size).toBe(labels.length)
    }
  })

  it('offers an auto-scaled utilization axis', () => {
    expect((chartOptions('1h', false).scales!.y as { max?: number }).max).toBe(100)
    expect((chartOptions('1h', true).scales!.y as { max?: number }).max).toBeUndefined()
  })

  it('is loaded asynchronously by the details panel, so Chart.js is its own chunk', () => {
    const src = readFileSync(resolve(process.cwd(), 'src/components/npu/NPUDetailsPanel.vue'), 'utf8')
    expect(src).not.toMatch(/import\s+UtilizationChart\s+from/)
    expect(src).toMatch(/defineAsyncComponent\(\s*\(\)\s*=>\s*import\('\.\/UtilizationChart\.vue'\)\)/)
    const config = readFileSync(resolve(process.cwd(), 'src/components/npu/utilizationChartConfig.ts'), 'utf8')
    expect(config).not.toMatch(/^import (?!type)[^\n]*'chart\.js'/m)
  })
})
