// Issue 21, "Live, honest numbers": the fleet.metrics event reaches the store and from it
// the cards' utilization, the Avg Utilization tile, routing stats and the overview; the
// header's "Live" gives way when the API is unreachable.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { flushPromises, mount } from '@vue/test-utils'
import { FleetEventStream } from '@/api/events'
import { api } from '@/api/client'
import { useFleetStore } from '@/stores/fleet'
import LiveIndicator from '@/components/common/LiveIndicator.vue'
import { FakeApi, makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'
import type { FleetEvent, FleetMetricsEvent } from '@/types'

const FLEET = { requestsPerSec: 12.5, p50Ms: 40, p95Ms: 90, errorRate: 0.02, avgUtilization: 21, inFlight: 3, queueDepth: 1, running: 2, online: 1, total: 2 }

function metrics(over: Partial<FleetMetricsEvent> = {}): FleetMetricsEvent {
  return {
    nodeId: '',
    at: '2026-02-04T10:00:05Z',
    fleet: FLEET,
    nodes: [
      { nodeId: 'a', status: 'online', utilization: 23, queueDepth: 1, running: 2, inFlight: 3, requestsPerSec: 12.5, p50Ms: 40, p95Ms: 90, errorRate: 0.02 },
      { nodeId: 'b', status: 'offline', utilization: 0, queueDepth: 0, running: 0, inFlight: 0, requestsPerSec: 0, p50Ms: null, p95Ms: null, errorRate: 0 },
      { nodeId: 'ghost', status: 'online', utilization: 99, queueDepth: 0, running: 0, inFlight: 0, requestsPerSec: 0, p50Ms: null, p95Ms: null, errorRate: 0 },
    ],
    ...over,
  }
}

describe('fleet.metrics', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    new FakeApi().install()
  })

  function seed() {
    const fleet = useFleetStore()
    fleet.nodes = [makeNode({ id: 'a', roles: ['npu-worker'] }), makeNode({ id: 'b', roles: ['npu-worker'] })]
    fleet.setNpuStatus(makeStatus('a', { capabilities: makeCaps({ utilization: 0 }) }))
    fleet.setNpuStatus(makeStatus('b', { capabilities: makeCaps({ utilization: 50 }) }))
    return fleet
  }

  it('is subscribed to on the event stream, with its empty nodeId accepted', () => {
    const listeners = new Map<string, (e: MessageEvent) => void>()
    const got: FleetEvent[] = []
    const s = new FleetEventStream({
      url: '/api/events',
      token: 't',
      onEvent: (e) => void got.push(e),
      eventSourceFactory: () => ({ addEventListener: (t: string, fn: (e: MessageEvent) => void) => listeners.set(t, fn), close() {} }) as unknown as EventSource,
    })
    s.start()
    listeners.get('fleet.metrics')?.(new MessageEvent('fleet.metrics', { data: JSON.stringify(metrics()) }))
    expect(got).toHaveLength(1)
    expect(got[0].type).toBe('fleet.metrics')
    s.stop()
  })

  it('updates utilization, queue and status of known nodes, the average tile and the fleet figures', () => {
    const fleet = seed()
    expect(fleet.avgUtilization).toBe(25)
    fleet.applyEvent({ type: 'fleet.metrics', data: metrics() as unknown as FleetEvent['data'] })
    expect(fleet.npuCapabilities.get('a')?.utilization).toBe(23)
    expect(fleet.npuStatuses.get('a')?.queueDepth).toBe(1)
    expect(fleet.nodeById('b')?.status).toBe('offline')
    expect(fleet.npuStatuses.get('b')?.stale).toBe(true)
    // b went offline: only a's live 23% counts.
    expect(fleet.avgUtilization).toBe(23)
    expect(fleet.fleetFigures?.requestsPerSec).toBe(12.5)
    expect(fleet.liveFigures.get('a')?.inFlight).toBe(3)
    expect(fleet.liveFigures.has('ghost')).toBe(false)
    expect(fleet.metricsSeq).toBe(1)
    expect(fleet.lastUpdatedAt).not.toBeNull()
  })

  it('keeps the router figures live: in flight and requests/s per node', () => {
    const fleet = seed()
    fleet.routingStats = {
      nodes: [{ nodeId: 'a', routed: 10, inFlight: 9, failures: 0, retries: 0, ejections: 0, ejected: false, latencyMs: { p50: 1, p95: 2 } }],
      decisions: [],
    }
    fleet.applyMetrics(metrics())
    expect(fleet.routingStats.nodes[0].inFlight).toBe(3)
    expect(fleet.routingStats.nodes[0].requestsPerSec).toBe(12.5)
  })
})

describe('LiveIndicator', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.stubGlobal(
      'EventSource',
      class {
        addEventListener() {}
        close() {}
      },
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('says Live while the stream is open and "API unreachable" after a call got no answer', async () => {
    const fleet = useFleetStore()
    fleet.startLive('t')
    fleet.streamState = 'open'
    const w = mount(LiveIndicator)
    expect(w.get('[data-test="live-label"]').text()).toBe('Live')
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    await api.me().catch(() => undefined)
    await flushPromises()
    expect(w.get('[data-test="live-label"]').text()).toBe('API unreachable')
    expect(w.get('[data-test="live-indicator"]').attributes('data-state')).toBe('unreachable')
    vi.stubGlobal('fetch', async () => new Response('{"name":"x","role":"admin"}', { status: 200 }))
    await api.me()
    await flushPromises()
    expect(w.get('[data-test="live-label"]').text()).toBe('Live')
    fleet.stopLive()
  })
})
