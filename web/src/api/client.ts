// HTTP client for the control-plane API: adds the bearer token, applies a timeout to every
// call, and turns the API's error envelope {"error":{code,message,details}} into ApiError.
// Paths are relative (/api/...) because the server serves this UI from the same origin.
import type {
  ApiErrorDetail,
  AuditPage,
  AuditQuery,
  FleetOverview,
  TimelineEvent,
  TimelineType,
  DetectResult,
  FleetNode,
  HistoryWindow,
  LoadBalancingConfig,
  Me,
  NodeCreate,
  NodeListResponse,
  NodePatch,
  NodeQuery,
  NpuHistory,
  NpuNodeEntry,
  NpuStatus,
  NpuSummary,
  ProbeResult,
  RoleInfo,
  RoutingStats,
} from '@/types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: ApiErrorDetail[]

  constructor(status: number, code: string, message: string, details: ApiErrorDetail[] = []) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }

  /** Messages of details that name a field, keyed by that field. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const d of this.details) {
      if (d.field && !(d.field in out)) out[d.field] = d.message
    }
    return out
  }
}

const DEFAULT_TIMEOUT_MS = 15_000
/** Probing and detection talk to workers through the server, which has its own timeouts. */
const SLOW_TIMEOUT_MS = 45_000

let token: string | null = null
let onUnauthorized: (() => void) | null = null
let onReachability: ((reachable: boolean) => void) | null = null

/** Told after every call whether the server answered at all (any HTTP status) or not. */
export function setReachabilityHandler(fn: ((reachable: boolean) => void) | null): void {
  onReachability = fn
}

export function setApiToken(t: string | null): void {
  token = t
}

export function getApiToken(): string | null {
  return token
}

/** Called when the API answers 401 to an authenticated call (token revoked or expired). */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn
}

interface RequestOptions {
  body?: unknown
  query?: Record<string, string | number | undefined | null>
  timeoutMs?: number
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

async function parseError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`
  let message = res.statusText || `Request failed with status ${res.status}`
  let details: ApiErrorDetail[] = []
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } }
    if (body && typeof body.error === 'object' && body.error) {
      if (typeof body.error.code === 'string') code = body.error.code
      if (typeof body.error.message === 'string') message = body.error.message
      if (Array.isArray(body.error.details)) {
        details = body.error.details
          .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
          .map((d) => ({
            field: typeof d.field === 'string' ? d.field : undefined,
            message: typeof d.message === 'string' ? d.message : String(d.message ?? ''),
          }))
      }
    }
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): keep the status line.
  }
  return new ApiError(res.status, code, message, details)
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const controller = new AbortController()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  let body: string | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, signal: controller.signal })
  } catch (e) {
    onReachability?.(false)
    if (controller.signal.aborted) {
      throw new ApiError(0, 'timeout', `No answer from the server within ${Math.round(timeoutMs / 1000)} s`)
    }
    throw new ApiError(0, 'network', `Cannot reach the server: ${(e as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
  onReachability?.(true)
  if (!res.ok) {
    const err = await parseError(res)
    if (res.status === 401 && token && onUnauthorized) onUnauthorized()
    throw err
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

const enc = encodeURIComponent

/** One function per API endpoint. */
export const api = {
  me: () => request<Me>('GET', '/api/me'),
  roles: () => request<{ roles: RoleInfo[] }>('GET', '/api/fleet/roles'),

  listNodes: (q: NodeQuery = {}) =>
    request<NodeListResponse>('GET', '/api/fleet/nodes', { query: { ...q } }),
  getNode: (id: string) => request<FleetNode>('GET', `/api/fleet/nodes/${enc(id)}`),
  createNode: (body: NodeCreate) => request<FleetNode>('POST', '/api/fleet/nodes', { body }),
  updateNode: (id: string, body: NodePatch) =>
    request<FleetNode>('PATCH', `/api/fleet/nodes/${enc(id)}`, { body }),
  deleteNode: (id: string) => request<void>('DELETE', `/api/fleet/nodes/${enc(id)}`),
  addRole: (id: string, role: string) =>
    request<FleetNode>('POST', `/api/fleet/nodes/${enc(id)}/roles/${enc(role)}`),
  removeRole: (id: string, role: string) =>
    request<FleetNode>('DELETE', `/api/fleet/nodes/${enc(id)}/roles/${enc(role)}`),
  drain: (id: string) => request<FleetNode>('POST', `/api/fleet/nodes/${enc(id)}/drain`),
  undrain: (id: string) => request<FleetNode>('POST', `/api/fleet/nodes/${enc(id)}/undrain`),

  audit: (page = 1, perPage = 25, filters: AuditQuery = {}) =>
    request<AuditPage>('GET', '/api/audit', { query: { page, per_page: perPage, ...filters } }),

  npuStatus: (id: string) => request<NpuStatus>('GET', `/api/nodes/${enc(id)}/npu/status`),
  npuNodes: () => request<{ nodes: NpuNodeEntry[] }>('GET', '/api/npu/nodes'),
  npuSummary: () => request<NpuSummary>('GET', '/api/npu/summary'),
  detectNode: (id: string) =>
    request<NpuStatus>('POST', `/api/nodes/${enc(id)}/npu/detect`, { timeoutMs: SLOW_TIMEOUT_MS }),
  detectMany: (nodeIds?: string[]) =>
    request<{ results: DetectResult[] }>('POST', '/api/npu/detect', {
      body: nodeIds ? { nodeIds } : {},
      timeoutMs: SLOW_TIMEOUT_MS,
    }),
  probe: (ip: string, npuPort: number) =>
    request<ProbeResult>('POST', '/api/npu/probe', { body: { ip, npuPort }, timeoutMs: SLOW_TIMEOUT_MS }),
  loadModel: (id: string, model: string) =>
    request<NpuStatus>('POST', `/api/nodes/${enc(id)}/npu/models/${enc(model)}/load`, {
      timeoutMs: SLOW_TIMEOUT_MS,
    }),
  unloadModel: (id: string, model: string) =>
    request<NpuStatus>('POST', `/api/nodes/${enc(id)}/npu/models/${enc(model)}/unload`, {
      timeoutMs: SLOW_TIMEOUT_MS,
    }),
  history: (id: string, window: HistoryWindow) =>
    request<NpuHistory>('GET', `/api/nodes/${enc(id)}/npu/history`, { query: { window } }),

  loadBalancing: () => request<LoadBalancingConfig>('GET', '/api/npu/load-balancing'),
  saveLoadBalancing: (body: LoadBalancingConfig) =>
    request<LoadBalancingConfig>('POST', '/api/npu/load-balancing', { body }),
  routingStats: () => request<RoutingStats>('GET', '/api/npu/routing/stats'),
  overview: () => request<FleetOverview>('GET', '/api/npu/overview', { query: { window: '1h' } }),
  timeline: (opts: { limit?: number; types?: TimelineType[]; node?: string } = {}) =>
    request<{ events: TimelineEvent[] }>('GET', '/api/npu/timeline', {
      query: { limit: opts.limit ?? 200, type: opts.types?.length ? opts.types.join(',') : undefined, node: opts.node },
    }),
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}
