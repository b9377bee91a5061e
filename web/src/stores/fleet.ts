// The fleet as the UI knows it: nodes, their NPU status and capabilities, load balancing
// and routing stats, kept current by live events. Every API call the UI makes goes
// through an action here, so components stay thin and the numbers they show (totals,
// averages) are computed in one place.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError, errorMessage, setReachabilityHandler } from '@/api/client'
import { FleetEventStream, type StreamState } from '@/api/events'
import { NODE_ROLES, NPU_WORKER_ROLE } from '@/constants/node-roles'
import type {
  AuditQuery,
  BulkProgressItem,
  FleetEvent,
  FleetFigures,
  FleetMetricsEvent,
  NodeLiveFigures,
  TimelineType,
  FleetNode,
  HistoryWindow,
  LoadBalancingConfig,
  NodeCreate,
  NodePatch,
  NodeQuery,
  NodeStatus,
  NPUCapabilities,
  NpuStatus,
  ProbeResult,
  RoleInfo,
  RoutingStats,
} from '@/types'

const NODE_FIELDS: readonly (keyof FleetNode)[] = [
  'name',
  'ip',
  'npuPort',
  'roles',
  'status',
  'labels',
  'createdAt',
  'updatedAt',
  'lastSeen',
  'draining',
  'detectionStatus',
  'detectionError',
]

/** NpuStatus fields a live event may carry and that replace the known value. */
const NPU_PATCH_FIELDS = [
  'loadedModels',
  'queueDepth',
  'lastHealthCheck',
  'lastProbe',
  'detectionStatus',
  'detectionError',
  'status',
  'statusReason',
  'statusSince',
  'stale',
  'device',
  'running',
  'utilization',
  'metrics',
] as const

const PAGE_SIZE = 200
const BULK_CONCURRENCY = 4

export type BulkKind = 'detect' | 'refresh' | 'drain' | 'undrain' | 'load' | 'unload' | 'remove-role'

export interface BulkRun {
  kind: BulkKind
  /** The model of a load/unload run. */
  model?: string
  items: BulkProgressItem[]
  running: boolean
}

/** Live figures of one node at the time of one fleet.metrics event. */
export interface LiveSample extends NodeLiveFigures {
  at: string
}

export const useFleetStore = defineStore('fleet', () => {
  // ---- state ------------------------------------------------------------------------
  const nodes = ref<FleetNode[]>([])
  const nodesLoaded = ref(false)
  const nodesLoading = ref(false)
  const nodesError = ref<string | null>(null)
  const roles = ref<RoleInfo[]>([...NODE_ROLES])

  /** Full NPU status per node id, as last returned by the API or patched by events. */
  const npuStatuses = ref(new Map<string, NpuStatus>())
  /** The seed's capabilities cache, by node id. */
  const npuCapabilities = ref(new Map<string, NPUCapabilities>())
  const npuLoading = ref(false)
  const npuLoaded = ref(false)
  const npuError = ref<string | null>(null)

  const loadBalancing = ref<LoadBalancingConfig | null>(null)
  const routingStats = ref<RoutingStats | null>(null)

  const lastUpdatedAt = ref<number | null>(null)
  const streamState = ref<StreamState>('closed')
  /** False after a call that got no answer at all; true again after the next answer. */
  const apiReachable = ref(true)
  /** Fleet-wide figures of the last fleet.metrics event (null before the first). */
  const fleetFigures = ref<FleetFigures | null>(null)
  const fleetFiguresAt = ref<string | null>(null)
  /** Per-node figures of the last fleet.metrics event. */
  const liveFigures = ref(new Map<string, LiveSample>())
  /** Counts fleet.metrics events, so views can append a chart point per event. */
  const metricsSeq = ref(0)
  const bulk = ref<BulkRun | null>(null)
  let stream: FleetEventStream | null = null

  // ---- derived ----------------------------------------------------------------------
  const npuNodes = computed(() => nodes.value.filter((n) => n.roles.includes(NPU_WORKER_ROLE)))
  const nonNpuNodes = computed(() => nodes.value.filter((n) => !n.roles.includes(NPU_WORKER_ROLE)))

  /** Distinct model names available across all NPU nodes. */
  const totalModels = computed(() => {
    const names = new Set<string>()
    for (const n of npuNodes.value) {
      for (const m of npuCapabilities.value.get(n.id)?.models ?? []) names.add(m)
    }
    return names.size
  })

  /**
   * Mean utilization (0-100, rounded) over NPU nodes that are reachable: an offline node's
   * last reported figure is stale and would distort the fleet's load, so it is left out,
   * as are nodes whose capabilities are not known yet.
   */
  const avgUtilization = computed(() => {
    const values: number[] = []
    for (const n of npuNodes.value) {
      if (n.status === 'offline' || n.status === 'unknown') continue  // no current figure
      const u = npuCapabilities.value.get(n.id)?.utilization
      if (typeof u === 'number' && Number.isFinite(u)) values.push(u)
    }
    if (values.length === 0) return 0
    return Math.round(values.reduce((a, b) => a + b, 0) / values.length)
  })

  const npuStatusCounts = computed(() => {
    const counts: Record<NodeStatus, number> = { online: 0, degraded: 0, offline: 0, pending: 0, maintenance: 0, unknown: 0 }
    for (const n of npuNodes.value) counts[n.status] = (counts[n.status] ?? 0) + 1
    return counts
  })

  function nodeById(id: string): FleetNode | undefined {
    return nodes.value.find((n) => n.id === id)
  }

  // ---- local mutations --------------------------------------------------------------
  function touch() {
    lastUpdatedAt.value = Date.now()
  }

  function upsertNode(node: FleetNode) {
    const i = nodes.value.findIndex((n) => n.id === node.id)
    if (i >= 0) nodes.value.splice(i, 1, { ...nodes.value[i], ...node })
    else nodes.value.push(node)
    if (!node.roles.includes(NPU_WORKER_ROLE)) forgetNpu(node.id)
  }

  function removeNodeLocal(id: string) {
    nodes.value = nodes.value.filter((n) => n.id !== id)
    forgetNpu(id)
  }

  function forgetNpu(id: string) {
    npuStatuses.value.delete(id)
    npuCapabilities.value.delete(id)
  }

  function patchNode(id: string, fields: Record<string, unknown>): boolean {
    const node = nodeById(id)
    if (!node) return false
    const patch: Partial<FleetNode> = {}
    for (const key of NODE_FIELDS) {
      if (key in fields) (patch as Record<string, unknown>)[key] = fields[key]
    }
    upsertNode({ ...node, ...patch })
    return true
  }

  function setNpuStatus(status: NpuStatus) {
    const id = status.node_id
    npuStatuses.value.set(id, status)
    if (status.capabilities) npuCapabilities.value.set(id, { ...status.capabilities })
    else npuCapabilities.value.delete(id)
    const nodePatch: Record<string, unknown> = {}
    if (status.status) nodePatch.status = status.status
    if (status.detectionStatus) nodePatch.detectionStatus = status.detectionStatus
    if ('detectionError' in status) nodePatch.detectionError = status.detectionError
    patchNode(id, nodePatch)
  }

  function patchNpuStatus(id: string, fields: Record<string, unknown>) {
    const prev: NpuStatus = npuStatuses.value.get(id) ?? {
      node_id: id,
      capabilities: null,
      loadedModels: [],
      queueDepth: 0,
      lastHealthCheck: null,
    }
    const next: NpuStatus = { ...prev }
    if (fields.capabilities && typeof fields.capabilities === 'object') {
      next.capabilities = { ...(prev.capabilities ?? defaultCapabilities()), ...(fields.capabilities as object) }
    }
    // Events may carry utilization at the top level when only the load changed.
    if (typeof fields.utilization === 'number' && next.capabilities) {
      next.capabilities = { ...next.capabilities, utilization: fields.utilization }
    }
    for (const key of NPU_PATCH_FIELDS) {
      if (key in fields) (next as unknown as Record<string, unknown>)[key] = fields[key]
    }
    npuStatuses.value.set(id, next)
    if (next.capabilities) npuCapabilities.value.set(id, { ...next.capabilities })
  }

  /** Applies one live event; returns false when it named a node the store does not know. */
  function applyEvent(ev: FleetEvent): boolean {
    const { nodeId, ...fields } = ev.data
    touch()
    switch (ev.type) {
      case 'fleet.metrics':
        applyMetrics(ev.data as unknown as FleetMetricsEvent)
        return true
      case 'node.deleted':
        removeNodeLocal(nodeId)
        return true
      case 'node.capabilities':
        if (!nodeById(nodeId)) return false
        patchNpuStatus(nodeId, fields)
        return true
      case 'node.detection': {
        const known = patchNode(nodeId, fields)
        if (known && npuStatuses.value.has(nodeId)) {
          patchNpuStatus(nodeId, pick(fields, ['detectionStatus', 'detectionError']))
        }
        if (known && fields.detectionStatus === 'detected' && !('capabilities' in fields)) {
          void fetchNpuStatus(nodeId).catch(() => undefined)
        }
        return known
      }
      case 'node.status':
      case 'node.updated': {
        const source = fields.node && typeof fields.node === 'object' ? (fields.node as Record<string, unknown>) : fields
        const wasNpu = nodeById(nodeId)?.roles.includes(NPU_WORKER_ROLE) ?? false
        const known = patchNode(nodeId, source)
        if (!known) {
          // A node created elsewhere (CLI, another admin): fetch it whole.
          void fetchNode(nodeId).catch(() => undefined)
          return false
        }
        if (npuStatuses.value.has(nodeId) && 'status' in source) {
          const patch = pick(source, ['status', 'statusReason', 'statusSince', 'lastProbe', 'lastHealthCheck', 'stale'])
          if (!('stale' in patch)) patch.stale = source.status === 'offline' || source.status === 'unknown'
          patchNpuStatus(nodeId, patch)
        }
        const isNpu = nodeById(nodeId)?.roles.includes(NPU_WORKER_ROLE) ?? false
        if (isNpu && !wasNpu) void fetchNpuStatus(nodeId).catch(() => undefined)
        return true
      }
    }
    return false
  }

  /**
   * Applies the live figures of one fleet.metrics event to the fleet figures, each node's
   * status and utilization/queue, and the router's per-node stats, so cards, tiles, the
   * details panel and the overview show what is happening now.
   */
  function applyMetrics(ev: FleetMetricsEvent) {
    if (!ev || typeof ev !== 'object') return
    const at = typeof ev.at === 'string' ? ev.at : new Date().toISOString()
    if (ev.fleet && typeof ev.fleet === 'object') {
      fleetFigures.value = { ...ev.fleet }
      fleetFiguresAt.value = at
    }
    const list = Array.isArray(ev.nodes) ? ev.nodes : []
    const byId = new Map(nodes.value.map((n, i) => [n.id, i]))
    const nextLive = new Map(liveFigures.value)
    for (const f of list) {
      if (!f || typeof f.nodeId !== 'string') continue
      const i = byId.get(f.nodeId)
      if (i === undefined) continue
      nextLive.set(f.nodeId, { ...f, at })
      const node = nodes.value[i]
      if (f.status && node.status !== f.status) nodes.value.splice(i, 1, { ...node, status: f.status })
      const prev = npuStatuses.value.get(f.nodeId)
      if (prev) {
        const next: NpuStatus = { ...prev, queueDepth: f.queueDepth ?? prev.queueDepth, running: f.running, utilization: f.utilization }
        if (f.status) {
          next.status = f.status
          next.stale = f.status === 'offline' || f.status === 'unknown'
        }
        if (prev.capabilities && typeof f.utilization === 'number') {
          next.capabilities = { ...prev.capabilities, utilization: f.utilization }
          npuCapabilities.value.set(f.nodeId, next.capabilities)
        }
        if (prev.metrics && typeof f.running === 'number') {
          next.metrics = { ...prev.metrics, running: f.running, queued: f.queueDepth ?? prev.metrics.queued }
        }
        npuStatuses.value.set(f.nodeId, next)
      }
    }
    liveFigures.value = nextLive
    if (routingStats.value) {
      const figures = new Map(list.map((f) => [f.nodeId, f]))
      routingStats.value = {
        ...routingStats.value,
        nodes: routingStats.value.nodes.map((r) => {
          const f = figures.get(r.nodeId)
          return f ? { ...r, inFlight: f.inFlight ?? r.inFlight, requestsPerSec: f.requestsPerSec } : r
        }),
      }
    }
    metricsSeq.value++
  }

  // ---- actions: nodes ---------------------------------------------------------------
  async function fetchRoles() {
    try {
      const res = await api.roles()
      if (res.roles.length) roles.value = res.roles
    } catch {
      // Keep the built-in list; the node table still works with role ids.
    }
  }

  /** Loads every node, page by page. */
  async function fetchNodes(query: Omit<NodeQuery, 'page' | 'per_page'> = {}) {
    nodesLoading.value = true
    nodesError.value = null
    try {
      const all: FleetNode[] = []
      for (let page = 1; ; page++) {
        const res = await api.listNodes({ ...query, page, per_page: PAGE_SIZE })
        all.push(...res.nodes)
        if (res.nodes.length === 0 || all.length >= res.total) break
      }
      nodes.value = all
      nodesLoaded.value = true
      touch()
    } catch (e) {
      nodesError.value = errorMessage(e)
    } finally {
      nodesLoading.value = false
    }
  }

  async function fetchNode(id: string) {
    const node = await api.getNode(id)
    upsertNode(node)
    if (node.roles.includes(NPU_WORKER_ROLE)) void fetchNpuStatus(id).catch(() => undefined)
    return node
  }

  async function createNode(body: NodeCreate) {
    const node = await api.createNode(body)
    upsertNode(node)
    touch()
    return node
  }

  async function updateNode(id: string, body: NodePatch) {
    const node = await api.updateNode(id, body)
    upsertNode(node)
    return node
  }

  async function deleteNode(id: string) {
    await api.deleteNode(id)
    removeNodeLocal(id)
  }

  async function addRole(id: string, role: string) {
    const node = await api.addRole(id, role)
    upsertNode(node)
    return node
  }

  async function removeRole(id: string, role: string) {
    const node = await api.removeRole(id, role)
    upsertNode(node)
    return node
  }

  /** Assigning the role starts detection on the server; show that at once. */
  async function assignNpuRole(id: string) {
    const node = await addRole(id, NPU_WORKER_ROLE)
    if (!npuStatuses.value.has(id)) {
      patchNpuStatus(id, { detectionStatus: node.detectionStatus ?? 'detecting' })
    }
    void fetchNpuStatus(id).catch(() => undefined)
    return node
  }

  async function removeNpuRole(id: string) {
    return removeRole(id, NPU_WORKER_ROLE)
  }

  async function drainNode(id: string) {
    const node = await api.drain(id)
    upsertNode(node)
    return node
  }

  async function undrainNode(id: string) {
    const node = await api.undrain(id)
    upsertNode(node)
    return node
  }

  function fetchAudit(page = 1, perPage = 25, filters: AuditQuery = {}) {
    return api.audit(page, perPage, filters)
  }

  function fetchOverview() {
    return api.overview()
  }

  function fetchTimeline(opts: { limit?: number; types?: TimelineType[]; node?: string } = {}) {
    return api.timeline(opts)
  }

  // ---- actions: NPU -----------------------------------------------------------------
  async function fetchNpuStatus(id: string) {
    const status = await api.npuStatus(id)
    setNpuStatus(status)
    touch()
    return status
  }

  /** One call for all NPU nodes and their status. */
  async function fetchNpuNodes() {
    npuLoading.value = true
    npuError.value = null
    try {
      const res = await api.npuNodes()
      const seen = new Set<string>()
      for (const entry of res.nodes) {
        upsertNode(entry.node)
        setNpuStatus({ ...entry.npu, node_id: entry.npu.node_id ?? entry.node.id })
        seen.add(entry.node.id)
      }
      // Nodes that lost the role elsewhere since the last load.
      for (const n of npuNodes.value) {
        if (!seen.has(n.id)) upsertNode({ ...n, roles: n.roles.filter((r) => r !== NPU_WORKER_ROLE) })
      }
      npuLoaded.value = true
      touch()
    } catch (e) {
      npuError.value = errorMessage(e)
    } finally {
      npuLoading.value = false
    }
  }

  function fetchNpuSummary() {
    return api.npuSummary()
  }

  async function detectNode(id: string) {
    patchNode(id, { detectionStatus: 'detecting', detectionError: null })
    try {
      const status = await api.detectNode(id)
      setNpuStatus(status)
      return status
    } catch (e) {
      patchNode(id, { detectionStatus: 'failed', detectionError: errorMessage(e) })
      throw e
    }
  }

  async function detectMany(nodeIds?: string[]) {
    const res = await api.detectMany(nodeIds)
    for (const r of res.results) {
      patchNode(r.nodeId, { detectionStatus: r.detectionStatus, detectionError: r.detectionError })
    }
    return res.results
  }

  /** Probes an address without registering anything; failures come back as ok:false. */
  async function probe(ip: string, npuPort: number): Promise<ProbeResult> {
    try {
      return await api.probe(ip, npuPort)
    } catch (e) {
      return { ok: false, capabilities: null, loadedModels: [], error: errorMessage(e) }
    }
  }

  async function loadModel(id: string, model: string) {
    const status = await api.loadModel(id, model)
    setNpuStatus(status)
    return status
  }

  async function unloadModel(id: string, model: string) {
    const status = await api.unloadModel(id, model)
    setNpuStatus(status)
    return status
  }

  function fetchHistory(id: string, window: HistoryWindow) {
    return api.history(id, window)
  }

  async function fetchLoadBalancing() {
    loadBalancing.value = await api.loadBalancing()
    return loadBalancing.value
  }

  /** Throws ApiError with field details when the server rejects the configuration. */
  async function saveLoadBalancing(config: LoadBalancingConfig) {
    loadBalancing.value = await api.saveLoadBalancing(config)
    return loadBalancing.value
  }

  async function fetchRoutingStats() {
    routingStats.value = await api.routingStats()
    return routingStats.value
  }

  // ---- bulk operations with per-node progress ---------------------------------------
  async function runBulk(kind: BulkKind, targets: FleetNode[], work: (n: FleetNode) => Promise<unknown>, model?: string) {
    if (bulk.value?.running) return bulk.value
    bulk.value = {
      kind,
      model,
      running: true,
      items: targets.map((n) => ({ nodeId: n.id, name: n.name, state: 'queued' as const })),
    }
    // Read back through the ref so that mutations below go through the reactive proxy.
    const current = bulk.value
    let next = 0
    const worker = async () => {
      while (next < targets.length) {
        const i = next++
        const item = current.items[i]
        item.state = 'running'
        try {
          await work(targets[i])
          item.state = 'done'
          const det = nodeById(targets[i].id)
          if (kind === 'detect' && det?.detectionStatus === 'failed') {
            item.state = 'failed'
            item.message = det.detectionError ?? 'detection failed'
          }
        } catch (e) {
          item.state = 'failed'
          item.message = errorMessage(e)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, targets.length) }, worker))
    current.running = false
    touch()
    return current
  }

  function detectAll() {
    return runBulk('detect', npuNodes.value, (n) => detectNode(n.id))
  }

  function refreshAll() {
    return runBulk('refresh', npuNodes.value, (n) => fetchNpuStatus(n.id))
  }

  /** Runs one action on the chosen nodes with per-node progress in `bulk`. */
  function bulkAction(kind: Exclude<BulkKind, 'refresh'>, nodeIds: string[], model?: string) {
    const targets = nodeIds.map((id) => nodeById(id)).filter((n): n is FleetNode => !!n)
    const work: Record<typeof kind, (n: FleetNode) => Promise<unknown>> = {
      detect: (n) => detectNode(n.id),
      drain: (n) => drainNode(n.id),
      undrain: (n) => undrainNode(n.id),
      load: (n) => loadModel(n.id, model ?? ''),
      unload: (n) => unloadModel(n.id, model ?? ''),
      'remove-role': (n) => removeNpuRole(n.id),
    }
    return runBulk(kind, targets, work[kind], model)
  }

  // ---- loading and live updates -----------------------------------------------------
  async function loadAll() {
    await Promise.all([fetchRoles(), fetchNodes()])
    await fetchNpuNodes()
  }

  function startLive(token: string) {
    stopLive()
    setReachabilityHandler((ok) => {
      if (apiReachable.value !== ok) apiReachable.value = ok
    })
    let hadOpened = false
    stream = new FleetEventStream({
      url: '/api/events',
      token,
      onEvent: (ev) => applyEvent(ev),
      onState: (state) => {
        streamState.value = state
        if (state === 'open') {
          // Events sent while disconnected are lost: resynchronise after a reconnect.
          if (hadOpened) void loadAll()
          hadOpened = true
        }
      },
    })
    stream.start()
  }

  function stopLive() {
    stream?.stop()
    stream = null
    streamState.value = 'closed'
  }

  function reset() {
    stopLive()
    nodes.value = []
    nodesLoaded.value = false
    npuLoaded.value = false
    npuStatuses.value = new Map()
    npuCapabilities.value = new Map()
    loadBalancing.value = null
    routingStats.value = null
    bulk.value = null
    lastUpdatedAt.value = null
    fleetFigures.value = null
    fleetFiguresAt.value = null
    liveFigures.value = new Map()
    apiReachable.value = true
  }

  return {
    nodes,
    nodesLoaded,
    nodesLoading,
    nodesError,
    roles,
    npuStatuses,
    npuCapabilities,
    npuLoading,
    npuLoaded,
    npuError,
    loadBalancing,
    routingStats,
    lastUpdatedAt,
    streamState,
    apiReachable,
    fleetFigures,
    fleetFiguresAt,
    liveFigures,
    metricsSeq,
    bulk,
    npuNodes,
    nonNpuNodes,
    totalModels,
    avgUtilization,
    npuStatusCounts,
    nodeById,
    applyEvent,
    setNpuStatus,
    fetchRoles,
    fetchNodes,
    fetchNode,
    createNode,
    updateNode,
    deleteNode,
    addRole,
    removeRole,
    assignNpuRole,
    removeNpuRole,
    drainNode,
    undrainNode,
    fetchAudit,
    fetchOverview,
    fetchTimeline,
    bulkAction,
    applyMetrics,
    fetchNpuStatus,
    fetchNpuNodes,
    fetchNpuSummary,
    detectNode,
    detectMany,
    probe,
    loadModel,
    unloadModel,
    fetchHistory,
    fetchLoadBalancing,
    saveLoadBalancing,
    fetchRoutingStats,
    detectAll,
    refreshAll,
    loadAll,
    startLive,
    stopLive,
    reset,
  }
})

function defaultCapabilities(): NPUCapabilities {
  // The seed's defaults for fields a worker does not report.
  return { models: [], maxConcurrent: 4, memoryGB: 8, deviceType: 'cpu', utilization: 0 }
}

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of keys) if (k in obj) out[k] = obj[k]
  return out
}

export { ApiError }
