import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
    expect(w.find('[data-test="utilization-chart"]').exists()).toBe(true)
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
    const focusables = w.findAll('button:not([disabled])')
    const last = focusables[focusables.length - 1].element as HTMLElement
    last.focus()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }))
    expect(document.activeElement).toBe(w.get('[data-test="close-panel"]').element)
  })
})
