// Issue 21, "Scale and workflow": the NPU list with many nodes (search, filters, sort,
// attention group, paging, table view, bulk actions with per-node progress), a failed
// refresh that keeps the grid, and the overview, timeline and failure log sections.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import NpuNodeList from '@/components/npu/NpuNodeList.vue'
import NPUWorkersTab from '@/components/npu/NPUWorkersTab.vue'
import NpuFleetOverview from '@/components/npu/NpuFleetOverview.vue'
import NpuTimeline from '@/components/npu/NpuTimeline.vue'
import RoutingFailuresLog from '@/components/npu/RoutingFailuresLog.vue'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'
import type { FleetNode, UserRole } from '@/types'

function fleetOf(n: number): FleetNode[] {
  return Array.from({ length: n }, (_, i) =>
    makeNode({ id: `n${i}`, name: `node-${String(i).padStart(4, '0')}`, roles: ['npu-worker'], status: i % 10 === 0 ? 'offline' : 'online', npuPort: 9000 + i }),
  )
}

function seed(nodes: FleetNode[]) {
  const fleet = useFleetStore()
  fleet.nodes = nodes
  nodes.forEach((n, i) =>
    fleet.setNpuStatus(
      makeStatus(n.id, {
        status: n.status,
        capabilities: makeCaps({ deviceType: i % 2 ? 'cpu' : 'intel-npu', models: i % 3 === 0 ? ['phi'] : ['llama'], utilization: i % 100 }),
      }),
    ),
  )
  fleet.nodesLoaded = true
  fleet.npuLoaded = true
  return fleet
}

describe('NpuNodeList', () => {
  let api: FakeApi
  let w: VueWrapper | null = null
  beforeEach(() => {
    api = new FakeApi()
      .on('POST /api/fleet/nodes/:id/drain', (_c, p) => (p.id === 'n2' ? { status: 500, body: { error: { code: 'x', message: 'worker gone' } } } : { body: { ...makeNode({ id: p.id, roles: ['npu-worker'] }), draining: true } }))
      .install()
  })
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  async function mountList(n: number, role: UserRole = 'admin') {
    w = mountWith(NpuNodeList, { role })
    seed(fleetOf(n))
    await flushPromises()
    return w
  }

  it('renders one page of 1,000 nodes, the failing ones first under their own heading', async () => {
    const w = await mountList(1000)
    expect(w.findAll('article.npu-card')).toHaveLength(48)
    expect(w.get('[data-test="group-attention"]').text()).toBe('Needs attention (100)')
    expect(w.find('[data-test="group-healthy"]').exists()).toBe(false)
    expect(w.findAll('article.npu-card').every((c) => c.attributes('data-status') === 'offline')).toBe(true)
    expect(w.get('[data-test="npu-pager"]').text()).toContain('Page 1 of 21')
    await w.get('[data-test="page-next"]').trigger('click')
    await w.get('[data-test="page-next"]').trigger('click')
    // page 3 holds attention nodes 97-99 and then the healthy ones
    expect(w.find('[data-test="group-attention"]').exists()).toBe(true)
    expect(w.get('[data-test="group-healthy"]').text()).toBe('Healthy (900)')
  })

  it('searches, filters by status, device and model, and sorts', async () => {
    const w = await mountList(60)
    await w.get('[data-test="npu-search"]').setValue('node-0042')
    expect(w.findAll('article.npu-card').map((c) => c.attributes('data-node-name'))).toEqual(['node-0042'])
    await w.get('[data-test="npu-search"]').setValue('')
    await w.get('[data-test="npu-filter-status"]').setValue('offline')
    expect(w.findAll('article.npu-card')).toHaveLength(6)
    await w.get('[data-test="npu-filter-status"]').setValue('')
    await w.get('[data-test="npu-filter-model"]').setValue('phi')
    await w.get('[data-test="npu-filter-device"]').setValue('cpu')
    const names = w.findAll('article.npu-card').map((c) => Number(c.attributes('data-node-name')!.slice(5)))
    expect(names.length).toBeGreaterThan(0)
    expect(names.every((i) => i % 3 === 0 && i % 2 === 1)).toBe(true)
    await w.get('[data-test="npu-filter-model"]').setValue('')
    await w.get('[data-test="npu-filter-device"]').setValue('')
    await w.get('[data-test="npu-sort"]').setValue('utilization')
    const healthy = w.get('.node-grid:last-of-type').findAll('article.npu-card')
    expect(healthy[0].attributes('data-node-name')).toBe('node-0059')
  })

  it('shows a compact table beside the cards', async () => {
    const w = await mountList(150)
    await w.get('[data-test="view-table"]').trigger('click')
    expect(w.find('article.npu-card').exists()).toBe(false)
    expect(w.findAll('[data-test="npu-table"] tbody tr')).toHaveLength(100)
  })

  it('drains the selected nodes with per-node progress, failures with their reason', async () => {
    const w = await mountList(5)
    for (const id of ['n1', 'n2', 'n3']) await w.get(`article[data-node-id="${id}"] [data-test="select-node"]`).setValue(true)
    expect(w.get('[data-test="selected-count"]').text()).toBe('3')
    await w.get('[data-test="bulk-drain"]').trigger('click')
    expect(api.callsTo('POST', '/api/fleet/nodes/n1/drain')).toHaveLength(0)
    await w.get('[data-test="bulk-confirm-yes"]').trigger('click')
    await flushPromises()
    const progress = w.get('[data-test="bulk-progress"]')
    expect(progress.text()).toContain('Drain finished')
    expect(progress.text()).toContain('3 / 3')
    expect(progress.get('li[data-node-id="n2"]').classes()).toContain('bulk-failed')
    expect(progress.get('li[data-node-id="n2"]').text()).toContain('worker gone')
    expect(progress.get('li[data-node-id="n1"]').classes()).toContain('bulk-done')
    expect(useFleetStore().nodeById('n3')?.draining).toBe(true)
  })

  it('asks for the model before a bulk load', async () => {
    const w = await mountList(3)
    await w.get('[data-test="select-all"]').trigger('click')
    await w.get('[data-test="bulk-load"]').trigger('click')
    expect(w.get('[data-test="bulk-error"]').text()).toContain('Choose the model')
    expect(w.find('[data-test="bulk-confirm"]').exists()).toBe(false)
  })

  it('offers viewers no selection or bulk actions', async () => {
    const w = await mountList(3, 'viewer')
    expect(w.find('[data-test="bulk-bar"]').exists()).toBe(false)
    expect(w.find('[data-test="select-node"]').exists()).toBe(false)
    expect(w.find('[data-test="drain"]').exists()).toBe(false)
  })
})

describe('NPUWorkersTab', () => {
  let w: VueWrapper | null = null
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  it('keeps the last known nodes under a warning when a refresh fails', async () => {
    let fail = false
    new FakeApi()
      .on('GET /api/npu/nodes', () =>
        fail ? { status: 503, body: { error: { code: 'unavailable', message: 'store busy' } } } : { body: { nodes: [{ node: makeNode({ id: 'a', name: 'alpha', roles: ['npu-worker'] }), npu: makeStatus('a') }] } },
      )
      .on('GET /api/npu/overview', { status: 404 } as object)
      .on('GET /api/npu/load-balancing', { strategy: 'round-robin', modelAffinity: {}, fallback: 'none', maxRetries: 0, queueTimeoutMs: 1000 })
      .install()
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: NPUWorkersTab }] })
    await router.push('/')
    w = mountWith(NPUWorkersTab, { global: { plugins: [router] } })
    const fleet = useFleetStore()
    fleet.nodesLoaded = true
    await fleet.fetchNpuNodes()
    await flushPromises()
    expect(w.find('article[data-node-name="alpha"]').exists()).toBe(true)
    fail = true
    await w.get('[data-test="refresh-all"]').trigger('click')
    await flushPromises()
    expect(w.find('article[data-node-name="alpha"]').exists()).toBe(true)
    expect(w.get('[data-test="stale-banner"]').text()).toContain('store busy')
    expect(w.find('.state-error').exists()).toBe(false)
  })
})

describe('NpuFleetOverview', () => {
  let w: VueWrapper | null = null
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })
  const current = { requestsPerSec: 4, p50Ms: 20, p95Ms: 50, errorRate: 0.5, avgUtilization: 10, inFlight: 1, queueDepth: 0, running: 1, online: 1, total: 1 }

  it('is hidden with a note when the server has no overview (404)', async () => {
    new FakeApi().install()
    w = mountWith(NpuFleetOverview)
    await flushPromises()
    expect(w.find('[data-test="overview-unavailable"]').exists()).toBe(true)
    expect(w.find('[data-test="overview-rps"]').exists()).toBe(false)
  })

  it('shows the hour and follows fleet.metrics', async () => {
    new FakeApi()
      .on('GET /api/npu/overview', (c) => ({
        body: { window: c.query.get('window'), intervalSec: 10, current, points: [{ t: '2026-02-04T10:00:00Z', requestsPerSec: 2, p50Ms: 10, p95Ms: 80, errorRate: 0, avgUtilization: 5 }] },
      }))
      .install()
    w = mountWith(NpuFleetOverview)
    await flushPromises()
    expect(w.get('[data-test="overview-rps"]').text()).toBe('4 /s')
    expect(w.get('[data-test="overview-errors"]').text()).toBe('50%')
    expect(w.get('[data-stat="p95"]').text()).toContain('max 80 ms')
    useFleetStore().applyMetrics({ nodeId: '', at: '2026-02-04T10:00:30Z', fleet: { ...current, requestsPerSec: 37.5, p95Ms: 120 }, nodes: [] })
    await flushPromises()
    expect(w.get('[data-test="overview-rps"]').text()).toBe('37.5 /s')
    expect(w.get('[data-stat="p95"]').text()).toContain('max 120 ms')
  })
})

describe('NpuTimeline and RoutingFailuresLog', () => {
  let w: VueWrapper | null = null
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  it('asks the server for the chosen types and filters by text', async () => {
    const api = new FakeApi()
      .on('GET /api/npu/timeline', {
        events: [
          { at: '2026-02-04T10:01:00Z', type: 'status', nodeId: 'a', nodeName: 'alpha', summary: 'online -> offline: connection refused', detail: {} },
          { at: '2026-02-04T10:00:00Z', type: 'config', nodeId: null, nodeName: null, summary: 'strategy round-robin -> least-loaded', detail: {} },
        ],
      })
      .install()
    w = mountWith(NpuTimeline)
    await flushPromises()
    expect(w.findAll('[data-test="timeline-event"]')).toHaveLength(2)
    expect(api.calls.at(-1)!.query.get('type')).toBeNull()
    await w.get('[data-test="timeline-type-config"]').setValue(false)
    await flushPromises()
    expect(api.calls.at(-1)!.query.get('type')).toBe('status,ejection,detection')
    await w.get('[data-test="timeline-text"]').setValue('refused')
    expect(w.findAll('[data-test="timeline-event"]').map((e) => e.text())).toEqual([expect.stringContaining('alpha')])
  })

  it('says so when the server records no timeline (404)', async () => {
    new FakeApi().install()
    w = mountWith(NpuTimeline)
    await flushPromises()
    expect(w.find('[data-test="timeline-unavailable"]').exists()).toBe(true)
  })

  it('lists failed requests with what the client got, newest first', async () => {
    new FakeApi()
      .on('GET /api/npu/routing/stats', {
        nodes: [],
        decisions: [],
        failures: [
          { at: '2026-02-04T10:00:00Z', model: 'phi', nodeId: 'a', status: 409, reason: 'model not loaded', retried: true, clientStatus: null },
          { at: '2026-02-04T10:00:01Z', model: 'phi', nodeId: 'b', status: 0, reason: 'connection refused', retried: false, clientStatus: 502 },
        ],
      })
      .install()
    w = mountWith(RoutingFailuresLog)
    useFleetStore().nodes = [makeNode({ id: 'a', name: 'alpha' })]
    await flushPromises()
    const rows = w.findAll('[data-test="failures-table"] tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[0].text()).toContain('no answer')
    expect(rows[0].text()).toContain('502')
    expect(rows[1].text()).toContain('alpha')
    expect(rows[1].text()).toContain('served by a retry')
    await w.get('[data-test="failures-client-only"]').setValue(true)
    expect(w.findAll('[data-test="failures-table"] tbody tr')).toHaveLength(1)
  })
})
