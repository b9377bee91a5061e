import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import NPUDetailsPanel from '@/components/npu/NPUDetailsPanel.vue'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'
import type { NpuStatus, UserRole } from '@/types'

const caps = makeCaps({ deviceType: 'nvidia-gpu', models: ['llama-3.2-1b', 'phi-3-mini'], maxConcurrent: 8, memoryGB: 24, utilization: 35 })

describe('NPUDetailsPanel', () => {
  let api: FakeApi
  let status: NpuStatus
  let w: VueWrapper | null = null

  beforeEach(() => {
    status = makeStatus('n1', {
      capabilities: caps,
      loadedModels: ['phi-3-mini'],
      queueDepth: 3,
      metrics: {
        inferenceTimeMs: { p50: 42, p95: 180 },
        throughputPerMin: 120,
        running: 2,
        queued: 3,
        maxConcurrent: 8,
        memory: { processRssBytes: 512 * 1024 * 1024, models: { 'phi-3-mini': 2 * 1024 ** 3 } },
      },
    })
    api = new FakeApi()
      .on('GET /api/nodes/:id/npu/status', () => ({ body: status }))
      .on('GET /api/nodes/:id/npu/history', (c) => ({
        body: {
          window: c.query.get('window'),
          points: [
            { t: '2026-02-04T10:00:00Z', utilization: 20, queueDepth: 1, running: 1, latencyMs: 40 },
            { t: '2026-02-04T10:01:00Z', utilization: 35, queueDepth: 3, running: 2, latencyMs: 45 },
          ],
        },
      }))
      .on('GET /api/npu/routing/stats', {
        nodes: [{ nodeId: 'n1', routed: 57, inFlight: 2, failures: 1, retries: 1, ejections: 0, ejected: false, latencyMs: { p50: 44, p95: 190 } }],
        decisions: [{ at: '2026-02-04T10:01:00Z', model: 'phi-3-mini', nodeId: 'n1', strategy: 'least-loaded', reason: 'lowest load 0.25' }],
      })
      .on('POST /api/nodes/:id/npu/models/:model/unload', (_c, p) => {
        status = { ...status, loadedModels: status.loadedModels.filter((m) => m !== p.model) }
        return { body: status }
      })
      .on('POST /api/nodes/:id/npu/models/:model/load', (_c, p) => {
        status = { ...status, loadedModels: [...status.loadedModels, p.model] }
        return { body: status }
      })
      .install()
  })

  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  async function open(role: UserRole = 'admin') {
    w = mountWith(NPUDetailsPanel, { props: { nodeId: 'n1' }, role })
    useFleetStore().nodes = [makeNode({ id: 'n1', name: 'gpu-box', roles: ['npu-worker'] })]
    await flushPromises()
    return w
  }

  it('shows models, performance, queue, memory, detection and routing for the node', async () => {
    const w = await open()
    expect(w.get('h2').text()).toBe('gpu-box')
    const rows = w.findAll('.model-row')
    expect(rows.map((r) => r.attributes('data-model'))).toEqual(['llama-3.2-1b', 'phi-3-mini'])
    expect(rows[1].get('[data-test="model-state"]').text()).toBe('loaded')
    expect(w.get('[data-test="performance-section"]').text()).toContain('42 ms')
    expect(w.get('[data-test="performance-section"]').text()).toContain('180 ms')
    expect(w.get('[data-test="performance-section"]').text()).toContain('120.0 /min')
    expect(w.get('[data-test="queue-running"]').text()).toBe('2')
    expect(w.get('[data-test="queue-waiting"]').text()).toBe('3')
    expect(w.get('[data-test="queue-max"]').text()).toBe('8')
    expect(w.get('[data-test="memory-section"]').text()).toContain('512 MiB')
    expect(w.get('[data-test="memory-section"]').text()).toContain('2.0 GiB')
    expect(w.get('[data-test="detection-status"]').text()).toBe('detected')
    expect(w.get('[data-test="routing-section"]').text()).toContain('57')
    expect(w.get('[data-test="routing-section"]').text()).toContain('lowest load 0.25')
    // the chart is an async component: it appears once its chunk has loaded
    await vi.waitFor(() => expect(w.find('[data-test="utilization-chart"]').exists()).toBe(true))
  })

  it('unloads and loads a model through the API and shows the new state', async () => {
    const w = await open()
    await w.get('[data-model="phi-3-mini"] [data-test="unload-model"]').trigger('click')
    await flushPromises()
    expect(api.callsTo('POST', '/api/nodes/n1/npu/models/phi-3-mini/unload')).toHaveLength(1)
    expect(w.get('[data-model="phi-3-mini"] [data-test="model-state"]').text()).toBe('available')
    await w.get('[data-model="llama-3.2-1b"] [data-test="load-model"]').trigger('click')
    await flushPromises()
    expect(api.callsTo('POST', '/api/nodes/n1/npu/models/llama-3.2-1b/load')).toHaveLength(1)
    expect(w.get('[data-model="llama-3.2-1b"] [data-test="model-state"]').text()).toBe('loaded')
  })

  it('shows a failed load next to the model', async () => {
    api.on('POST /api/nodes/:id/npu/models/:model/load', () => ({ status: 507, body: { error: { code: 'insufficient_memory', message: 'not enough device memory' } } }))
    const w = await open()
    await w.get('[data-model="llama-3.2-1b"] [data-test="load-model"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-model="llama-3.2-1b"] .model-error').text()).toBe('not enough device memory')
  })

  it('fetches the history window the user picks', async () => {
    const w = await open()
    const btn = w.findAll('.seg-btn').find((b) => b.text() === '7d')!
    await btn.trigger('click')
    await flushPromises()
    const windows = api.callsTo('GET', '/api/nodes/n1/npu/history').map((c) => c.query.get('window'))
    expect(windows).toEqual(['1h', '7d'])
  })

  it('gives viewers no load, unload or detect actions', async () => {
    const w = await open('viewer')
    expect(w.find('[data-test="unload-model"]').exists()).toBe(false)
    expect(w.find('[data-test="load-model"]').exists()).toBe(false)
    expect(w.find('[data-test="redetect"]').exists()).toBe(false)
  })

  it('closes on Escape and takes focus inside when opened', async () => {
    const w = await open()
    expect(w.element.contains(document.activeElement)).toBe(true)
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(w.emitted('close')).toHaveLength(1)
  })

  it('keeps Tab focus inside the panel', async () => {
    const w = await open()
    await vi.waitFor(() => expect(w.find('[data-test="utilization-chart"]').exists()).toBe(true))
    const focusables = w.findAll('button:not([disabled]), input:not([disabled])')
    const last = focusables[focusables.length - 1].element as HTMLElement
    last.focus()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }))
    expect(document.activeElement).toBe(w.get('[data-test="close-panel"]').element)
  })

  it('shows device telemetry, device memory labelled as the device\'s', async () => {
    status = {
      ...status,
      device: { name: 'RTX 4090', memoryKind: 'device', sharedHostMemory: false, memoryTotalGb: 24, memoryUsedGb: 6.5,
        temperatureC: 61, powerW: 212.4, frequencyMhz: 2520, maxFrequencyMhz: 2790, utilizationSource: 'device' },
    }
    const w = await open()
    const dev = w.get('[data-test="device-section"]')
    expect(dev.text()).toContain('RTX 4090')
    expect(w.get('[data-test="device-temperature"]').text()).toBe('61 °C')
    expect(w.get('[data-test="device-power"]').text()).toBe('212.4 W')
    expect(w.get('[data-test="device-frequency"]').text()).toBe('2520 / 2790 MHz')
    expect(w.get('[data-test="memory-label"]').text()).toBe('Device memory')
    expect(w.get('[data-test="device-memory"]').text()).toBe('6.5 GB used of 24 GB')
    expect(w.find('[data-test="shared-memory-note"]').exists()).toBe(false)
  })

  it('labels a CPU worker\'s memory as shared host RAM, not the node\'s capacity', async () => {
    status = {
      ...status,
      device: { name: 'Xeon', memoryKind: 'host', sharedHostMemory: true, memoryTotalGb: 128, memoryUsedGb: 40,
        temperatureC: null, powerW: null, frequencyMhz: null, maxFrequencyMhz: null, utilizationSource: 'engine' },
    }
    const w = await open()
    expect(w.get('[data-test="memory-label"]').text()).toBe('Host RAM (shared)')
    expect(w.get('[data-test="shared-memory-note"]').text()).toContain('not this node')
    expect(w.get('[data-test="device-temperature"]').text()).toBe('—')
    expect(w.get('[data-test="memory-section"]').text()).not.toContain('Device memory')
  })

  it('shows the last successful health check and says when the last probe failed', async () => {
    status = {
      ...status,
      lastHealthCheck: '2026-02-04T10:30:00Z',
      lastProbe: { at: new Date(Date.now() - 5000).toISOString(), ok: false, error: 'connection refused', latencyMs: 3 },
    }
    const w = await open()
    expect(w.get('[data-test="last-probe-failed"]').text()).toContain('The last probe failed')
    expect(w.get('[data-test="last-probe-failed"]').text()).toContain('connection refused')
    expect(w.get('[data-test="last-health-check"]').attributes('title')).toBeTruthy()
  })

  it('says so when no health check ever succeeded, and nothing failed when the last probe was ok', async () => {
    status = { ...status, lastHealthCheck: null, lastProbe: { at: new Date().toISOString(), ok: true, error: null, latencyMs: 2 } }
    const w = await open()
    expect(w.get('[data-test="last-health-check"]').text()).toBe('never succeeded')
    expect(w.find('[data-test="last-probe-failed"]').exists()).toBe(false)
  })

  it('drains after a confirmation and counts in-flight requests down to zero', async () => {
    let inFlight = 2
    api
      .on('POST /api/fleet/nodes/:id/drain', () => ({ body: makeNode({ id: 'n1', name: 'gpu-box', roles: ['npu-worker'], draining: true }) }))
      .on('GET /api/npu/routing/stats', () => ({
        body: {
          nodes: [{ nodeId: 'n1', routed: 57, inFlight, failures: 0, retries: 0, ejections: 0, ejected: false, latencyMs: { p50: 44, p95: 190 } }],
          decisions: [],
        },
      }))
    const w = await open()
    await w.get('[data-test="panel-drain"]').trigger('click')
    await flushPromises()
    expect(api.callsTo('POST', '/api/fleet/nodes/n1/drain')).toHaveLength(0)
    expect(document.body.textContent).toContain('Drain gpu-box?')
    ;(document.querySelector('[data-test="confirm"]') as HTMLButtonElement).click()
    await flushPromises()
    expect(api.callsTo('POST', '/api/fleet/nodes/n1/drain')).toHaveLength(1)
    expect(w.get('[data-test="drain-inflight"]').text()).toContain('2 requests still in flight')
    // a live fleet.metrics update lowers it
    const fleet = useFleetStore()
    fleet.routingStats = { ...fleet.routingStats!, nodes: fleet.routingStats!.nodes.map((n) => ({ ...n, inFlight: 1 })) }
    await flushPromises()
    expect(w.get('[data-test="drain-inflight"]').text()).toContain('1 request still in flight')
    inFlight = 0
    fleet.routingStats = { ...fleet.routingStats!, nodes: fleet.routingStats!.nodes.map((n) => ({ ...n, inFlight: 0 })) }
    await flushPromises()
    expect(w.get('[data-test="drain-inflight"]').text()).toBe('Drained: no requests in flight.')
    expect(w.get('[data-test="panel-drain"]').text()).toBe('Undrain')
  })

  it('polls routing stats while a drained node still has requests in flight', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    try {
      let inFlight = 3
      api
        .on('POST /api/fleet/nodes/:id/drain', () => ({ body: makeNode({ id: 'n1', name: 'gpu-box', roles: ['npu-worker'], draining: true }) }))
        .on('GET /api/npu/routing/stats', () => ({
          body: { nodes: [{ nodeId: 'n1', routed: 1, inFlight, failures: 0, retries: 0, ejections: 0, ejected: false, latencyMs: { p50: 1, p95: 1 } }], decisions: [] },
        }))
      const w = await open()
      await w.get('[data-test="panel-drain"]').trigger('click')
      await flushPromises()
      ;(document.querySelector('[data-test="confirm"]') as HTMLButtonElement).click()
      await flushPromises()
      expect(w.get('[data-test="drain-inflight"]').text()).toContain('3 requests')
      inFlight = 0
      await vi.advanceTimersByTimeAsync(1100)
      await flushPromises()
      expect(w.get('[data-test="drain-inflight"]').text()).toBe('Drained: no requests in flight.')
    } finally {
      vi.useRealTimers()
    }
  })

  it('gives viewers no drain button', async () => {
    const w = await open('viewer')
    expect(w.find('[data-test="panel-drain"]').exists()).toBe(false)
  })
})
