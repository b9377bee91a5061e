import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FleetEventStream, type StreamState } from '@/api/events'
import type { FleetEvent } from '@/types'

class FakeEventSource {
  static made: FakeEventSource[] = []
  onopen: (() => void) | null = null
  onerror: (() => void) | null = null
  closed = false
  listeners = new Map<string, (e: MessageEvent) => void>()
  constructor(readonly url: string) {
    FakeEventSource.made.push(this)
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, fn)
  }
  close() {
    this.closed = true
  }
  emit(type: string, data: string) {
    this.listeners.get(type)?.(new MessageEvent(type, { data }))
  }
}

describe('FleetEventStream', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    FakeEventSource.made = []
  })
  afterEach(() => vi.useRealTimers())

  function start(onEvent: (e: FleetEvent) => void = vi.fn(), states: StreamState[] = []) {
    const s = new FleetEventStream({
      url: '/api/events',
      token: 'a b&c',
      onEvent,
      onState: (st) => states.push(st),
      eventSourceFactory: (u) => new FakeEventSource(u) as unknown as EventSource,
      initialDelayMs: 1000,
      maxDelayMs: 4000,
    })
    s.start()
    return s
  }

  it('passes the token as access_token, encoded', () => {
    start()
    expect(FakeEventSource.made[0].url).toBe('/api/events?access_token=a%20b%26c')
  })

  it('delivers typed events with parsed data and ignores malformed ones', () => {
    const got: FleetEvent[] = []
    start((e: FleetEvent) => void got.push(e))
    const es = FakeEventSource.made[0]
    es.emit('node.status', JSON.stringify({ nodeId: 'n1', status: 'offline' }))
    es.emit('node.status', '{not json')
    es.emit('node.capabilities', JSON.stringify({ noNodeId: true }))
    expect(got).toEqual([{ type: 'node.status', data: { nodeId: 'n1', status: 'offline' } }])
  })

  it('reconnects after an error with doubling, capped delays, and resets after an open', () => {
    const states: StreamState[] = []
    start(vi.fn(), states)
    FakeEventSource.made[0].onerror?.()
    expect(FakeEventSource.made[0].closed).toBe(true)
    vi.advanceTimersByTime(999)
    expect(FakeEventSource.made).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.made).toHaveLength(2)
    FakeEventSource.made[1].onerror?.()
    vi.advanceTimersByTime(2000)
    expect(FakeEventSource.made).toHaveLength(3)
    FakeEventSource.made[2].onerror?.()
    vi.advanceTimersByTime(4000)
    expect(FakeEventSource.made).toHaveLength(4)
    FakeEventSource.made[3].onerror?.()
    vi.advanceTimersByTime(4000) // capped at maxDelayMs
    expect(FakeEventSource.made).toHaveLength(5)
    FakeEventSource.made[4].onopen?.()
    expect(states[states.length - 1]).toBe('open')
    FakeEventSource.made[4].onerror?.()
    vi.advanceTimersByTime(1000) // back to the initial delay
    expect(FakeEventSource.made).toHaveLength(6)
  })

  it('stop closes the connection and cancels a pending reconnect', () => {
    const s = start()
    FakeEventSource.made[0].onerror?.()
    s.stop()
    vi.advanceTimersByTime(60_000)
    expect(FakeEventSource.made).toHaveLength(1)
  })
})
