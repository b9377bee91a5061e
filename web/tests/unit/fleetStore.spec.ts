import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, flush, makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'

function seed(store: ReturnType<typeof useFleetStore>) {
  store.nodes = [
    makeNode({ id: 'a', roles: ['npu-worker'], status: 'online' }),
    makeNode({ id: 'b', roles: ['npu-worker', 'gateway'], status: 'online' }),
    makeNode({ id: 'c', roles: ['npu-worker'], status: 'offline' }),
    makeNode({ id: 'd', roles: ['gateway'], status: 'online' }),
  ]
  store.setNpuStatus(makeStatus('a', { status: 'online', capabilities: makeCaps({ models: ['phi-3-mini', 'llama-3.2-1b'], utilization: 40 }) }))
  store.setNpuStatus(makeStatus('b', { status: 'online', capabilities: makeCaps({ models: ['phi-3-mini'], utilization: 60 }) }))
  store.setNpuStatus(makeStatus('c', { status: 'offline', capabilities: makeCaps({ models: ['whisper-base'], utilization: 100 }) }))
}

describe('fleet store', () => {
  let api: FakeApi
  beforeEach(() => {
    setActivePinia(createPinia())
    api = new FakeApi().install()
  })

  it('npuNodes holds exactly the nodes with the npu-worker role, nonNpuNodes the rest', () => {
    const store = useFleetStore()
    seed(store)
    expect(store.npuNodes.map((n) => n.id)).toEqual(['a', 'b', 'c'])
    expect(store.nonNpuNodes.map((n) => n.id)).toEqual(['d'])
  })

  it('totalModels counts distinct model names across NPU nodes', () => {
    const store = useFleetStore()
    seed(store)
    // phi-3-mini appears on a and b but counts once.
    expect(store.totalModels).toBe(3)
  })

  it('avgUtilization leaves out offline nodes', () => {
    const store = useFleetStore()
    seed(store)
    // (40 + 60) / 2; node c (offline, 100%) would make it 67.
    expect(store.avgUtilization).toBe(50)
  })

  it('avgUtilization leaves out nodes without capabilities and is 0 with no reachable node', () => {
    const store = useFleetStore()
    store.nodes = [makeNode({ id: 'x', roles: ['npu-worker'], status: 'pending' })]
    expect(store.avgUtilization).toBe(0)
    store.nodes.push(makeNode({ id: 'y', roles: ['npu-worker'], status: 'offline' }))
    store.setNpuStatus(makeStatus('y', { status: 'offline', capabilities: makeCaps({ utilization: 90 }) }))
    expect(store.avgUtilization).toBe(0)
  })

  it('a node.capabilities event updates the capabilities map and the totals', () => {
    const store = useFleetStore()
    seed(store)
    const applied = store.applyEvent({
      type: 'node.capabilities',
      data: { nodeId: 'a', capabilities: { utilization: 80, models: ['phi-3-mini', 'llama-3.2-1b', 'mistral-7b'] } },
    })
    expect(applied).toBe(true)
    expect(store.npuCapabilities.get('a')?.utilization).toBe(80)
    // Fields the event did not carry are kept.
    expect(store.npuCapabilities.get('a')?.deviceType).toBe('intel-npu')
    expect(store.totalModels).toBe(4)
    expect(store.avgUtilization).toBe(70)
  })

  it('a node.status event taking a node offline removes it from the average', () => {
    const store = useFleetStore()
    seed(store)
    store.applyEvent({ type: 'node.status', data: { nodeId: 'b', status: 'offline' } })
    expect(store.nodeById('b')?.status).toBe('offline')
    expect(store.avgUtilization).toBe(40)
    expect(store.npuStatusCounts.offline).toBe(2)
  })

  it('a node.detection event records the state and error on the node', () => {
    const store = useFleetStore()
    seed(store)
    store.applyEvent({ type: 'node.detection', data: { nodeId: 'a', detectionStatus: 'failed', detectionError: 'connection refused' } })
    expect(store.nodeById('a')?.detectionStatus).toBe('failed')
    expect(store.npuStatuses.get('a')?.detectionError).toBe('connection refused')
  })

  it('a node.deleted event drops the node and its capabilities', () => {
    const store = useFleetStore()
    seed(store)
    store.applyEvent({ type: 'node.deleted', data: { nodeId: 'a' } })
    expect(store.nodeById('a')).toBeUndefined()
    expect(store.npuCapabilities.has('a')).toBe(false)
    expect(store.totalModels).toBe(2)
  })

  it('a node.updated event that removes the role drops the node from npuNodes', () => {
    const store = useFleetStore()
    seed(store)
    store.applyEvent({ type: 'node.updated', data: { nodeId: 'b', roles: ['gateway'] } })
    expect(store.npuNodes.map((n) => n.id)).toEqual(['a', 'c'])
    expect(store.npuCapabilities.has('b')).toBe(false)
  })

  it('a node.updated event for an unknown node fetches that node', async () => {
    api.on('GET /api/fleet/nodes/:id', (_c, p) => ({ body: makeNode({ id: p.id, name: 'new-one' }) }))
    const store = useFleetStore()
    expect(store.applyEvent({ type: 'node.updated', data: { nodeId: 'n9', name: 'new-one' } })).toBe(false)
    await flush()
    expect(store.nodeById('n9')?.name).toBe('new-one')
  })

  it('events record when data last arrived', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-02-04T12:00:00Z'))
    try {
      const store = useFleetStore()
      seed(store)
      store.applyEvent({ type: 'node.status', data: { nodeId: 'a', status: 'degraded' } })
      expect(store.lastUpdatedAt).toBe(Date.parse('2026-02-04T12:00:00Z'))
    } finally {
      vi.useRealTimers()
    }
  })

  it('fetchNodes loads every page and sends the bearer token', async () => {
    const all = Array.from({ length: 250 }, (_, i) => makeNode({ id: `n${i}` }))
    api.on('GET /api/fleet/nodes', (c) => {
      const page = Number(c.query.get('page'))
      const per = Number(c.query.get('per_page'))
      return { body: { nodes: all.slice((page - 1) * per, page * per), total: all.length, page, per_page: per } }
    })
    const { setApiToken } = await import('@/api/client')
    setApiToken('tok-123')
    const store = useFleetStore()
    await store.fetchNodes()
    expect(store.nodes).toHaveLength(250)
    expect(api.callsTo('GET', '/api/fleet/nodes')).toHaveLength(2)
    expect(api.calls[0].headers.Authorization).toBe('Bearer tok-123')
    setApiToken(null)
  })

  it('fetchNodes keeps the error message of a failed load', async () => {
    api.on('GET /api/fleet/nodes', () => ({ status: 503, body: { error: { code: 'unavailable', message: 'store is read-only' } } }))
    const store = useFleetStore()
    await store.fetchNodes()
    expect(store.nodesError).toBe('store is read-only')
    expect(store.nodesLoaded).toBe(false)
  })

  it('fetchNpuNodes fills nodes, statuses and capabilities from one call', async () => {
    api.on('GET /api/npu/nodes', () => ({
      body: {
        nodes: [
          { node: makeNode({ id: 'w1', roles: ['npu-worker'] }), npu: makeStatus('w1', { capabilities: makeCaps({ deviceType: 'nvidia-gpu', models: ['m1'] }), loadedModels: ['m1'] }) },
        ],
      },
    }))
    const store = useFleetStore()
    await store.fetchNpuNodes()
    expect(store.npuNodes.map((n) => n.id)).toEqual(['w1'])
    expect(store.npuCapabilities.get('w1')?.deviceType).toBe('nvidia-gpu')
    expect(store.npuStatuses.get('w1')?.loadedModels).toEqual(['m1'])
  })

  it('refreshAll reports progress per node, with the reason for each failure', async () => {
    api.on('GET /api/nodes/:id/npu/status', (_c, p) =>
      p.id === 'b'
        ? { status: 502, body: { error: { code: 'worker_unreachable', message: 'worker b timed out' } } }
        : { body: makeStatus(p.id, { status: undefined }) },
    )
    const store = useFleetStore()
    seed(store)
    const run = await store.refreshAll()
    expect(run.running).toBe(false)
    expect(run.items.map((i) => [i.nodeId, i.state])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
      ['c', 'done'],
    ])
    expect(run.items[1].message).toBe('worker b timed out')
  })

  it('assignNpuRole adds the role and shows detection as running at once', async () => {
    api.on('POST /api/fleet/nodes/:id/roles/:role', (_c, p) => ({
      body: makeNode({ id: p.id, roles: ['gateway', p.role], detectionStatus: 'detecting' }),
    }))
    api.on('GET /api/nodes/:id/npu/status', () => ({ status: 503, body: { error: { code: 'busy', message: 'detecting' } } }))
    const store = useFleetStore()
    seed(store)
    await store.assignNpuRole('d')
    expect(api.callsTo('POST', '/api/fleet/nodes/d/roles/npu-worker')).toHaveLength(1)
    expect(store.npuNodes.map((n) => n.id)).toContain('d')
    expect(store.npuStatuses.get('d')?.detectionStatus).toBe('detecting')
  })
})
