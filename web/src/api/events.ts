// Live updates from GET /api/events (Server-Sent Events). EventSource cannot send headers,
// so the token travels as ?access_token=. The browser's own retry stops on some errors and
// keeps a dead connection on others, so this class closes on any error and reconnects
// itself with capped exponential backoff; onOpen lets the caller resynchronise what it
// missed while disconnected.
import type { FleetEvent, FleetEventType } from '@/types'

export const FLEET_EVENT_TYPES: FleetEventType[] = [
  'node.status',
  'node.detection',
  'node.capabilities',
  'node.updated',
  'node.deleted',
  'fleet.metrics',
]

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface EventStreamOptions {
  url: string
  token: string
  onEvent: (ev: FleetEvent) => void
  onState?: (state: StreamState, retryInMs?: number) => void
  /** Injected for tests; defaults to the browser's EventSource. */
  eventSourceFactory?: (url: string) => EventSource
  initialDelayMs?: number
  maxDelayMs?: number
}

export class FleetEventStream {
  private es: EventSource | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private delay: number
  private stopped = false

  constructor(private readonly opts: EventStreamOptions) {
    this.delay = opts.initialDelayMs ?? 1000
  }

  start(): void {
    this.stopped = false
    this.connect('connecting')
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.es?.close()
    this.es = null
    this.opts.onState?.('closed')
  }

  private connect(state: StreamState): void {
    if (this.stopped) return
    this.opts.onState?.(state)
    const sep = this.opts.url.includes('?') ? '&' : '?'
    const url = `${this.opts.url}${sep}access_token=${encodeURIComponent(this.opts.token)}`
    const factory = this.opts.eventSourceFactory ?? ((u: string) => new EventSource(u))
    const es = factory(url)
    this.es = es
    es.onopen = () => {
      this.delay = this.opts.initialDelayMs ?? 1000
      this.opts.onState?.('open')
    }
    es.onerror = () => {
      if (this.es !== es) return
      es.close()
      this.es = null
      this.scheduleReconnect()
    }
    for (const type of FLEET_EVENT_TYPES) {
      es.addEventListener(type, (msg) => this.dispatch(type, (msg as MessageEvent).data))
    }
  }

  private dispatch(type: FleetEventType, raw: unknown): void {
    if (typeof raw !== 'string') return
    try {
      const data = JSON.parse(raw) as FleetEvent['data']
      if (data && typeof data.nodeId === 'string') this.opts.onEvent({ type, data })
    } catch {
      // A malformed event must not break the stream; the next resync corrects the state.
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return
    const wait = this.delay
    this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 30_000)
    this.opts.onState?.('reconnecting', wait)
    this.timer = setTimeout(() => {
      this.timer = null
      this.connect('reconnecting')
    }, wait)
  }
}
