// A fake of the control-plane HTTP API for unit tests: routes "METHOD /path" (with :params)
// to handlers, records every call, and answers through a stubbed global fetch so that the
// real client code (headers, error envelope parsing) runs.
import { vi } from 'vitest'
import type { FleetNode, NPUCapabilities, NpuStatus } from '@/types'

export interface FakeCall {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
  headers: Record<string, string>
}

export interface FakeReply {
  status?: number
  body?: unknown
}

type Handler = (call: FakeCall, params: Record<string, string>) => FakeReply | Promise<FakeReply>

export class FakeApi {
  readonly calls: FakeCall[] = []
  private routes: { method: string; pattern: RegExp; keys: string[]; handler: Handler }[] = []

  on(route: string, handler: Handler): this
  on(route: string, body: object): this
  on(route: string, handler: Handler | object): this {
    const [method, path] = route.split(' ')
    const keys: string[] = []
    const pattern = new RegExp(
      '^' + path.replace(/:([a-zA-Z]+)/g, (_, k: string) => (keys.push(k), '([^/]+)')) + '$',
    )
    const h: Handler = typeof handler === 'function' ? (handler as Handler) : () => ({ body: handler })
    // Later registrations win, so a test can override a default route.
    this.routes.unshift({ method, pattern, keys, handler: h })
    return this
  }

  install(): this {
    vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
      const url = new URL(input, 'http://localhost')
      const call: FakeCall = {
        method: (init.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        body: init.body ? JSON.parse(String(init.body)) : undefined,
        headers: (init.headers ?? {}) as Record<string, string>,
      }
      this.calls.push(call)
      for (const r of this.routes) {
        if (r.method !== call.method) continue
        const m = r.pattern.exec(call.path)
        if (!m) continue
        const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]))
        const reply = await r.handler(call, params)
        const status = reply.status ?? 200
        return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
          status,
          headers: { 'Content-Type': 'application/json' },
        })
      }
      return new Response(JSON.stringify({ error: { code: 'not_found', message: `no route ${call.method} ${call.path}` } }), {
        status: 404,
      })
    })
    return this
  }

  callsTo(method: string, path: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method && c.path === path)
  }
}

export function makeNode(over: Partial<FleetNode> & { id: string }): FleetNode {
  return {
    name: over.id,
    ip: '127.0.0.1',
    npuPort: 8081,
    roles: [],
    status: 'online',
    labels: {},
    createdAt: '2026-02-04T10:00:00Z',
    updatedAt: '2026-02-04T10:00:00Z',
    lastSeen: '2026-02-04T10:00:00Z',
    draining: false,
    ...over,
  }
}

export function makeCaps(over: Partial<NPUCapabilities> = {}): NPUCapabilities {
  return { models: [], maxConcurrent: 4, memoryGB: 8, deviceType: 'intel-npu', utilization: 0, ...over }
}

export function makeStatus(nodeId: string, over: Partial<NpuStatus> = {}): NpuStatus {
  return {
    node_id: nodeId,
    capabilities: makeCaps(),
    loadedModels: [],
    queueDepth: 0,
    lastHealthCheck: '2026-02-04T10:30:00Z',
    detectionStatus: 'detected',
    detectionError: null,
    status: 'online',
    metrics: null,
    ...over,
  }
}

export function flush(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0))
}
