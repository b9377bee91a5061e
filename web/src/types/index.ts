// Shared types of the admin UI: the shapes of the control-plane API (docs/openapi.yaml)
// as the UI sees them. Every component and store imports its types from here.

export type UserRole = 'admin' | 'operator' | 'viewer' | 'inference'

export interface Me {
  name: string
  role: UserRole
}

// 'unknown': nothing monitors the node (no npu-worker role); its lastSeen is the age of what was known.
export type NodeStatus = 'pending' | 'online' | 'degraded' | 'offline' | 'maintenance' | 'unknown'
export type DetectionStatus = 'idle' | 'detecting' | 'detected' | 'failed'

export interface FleetNode {
  id: string
  name: string
  ip: string
  npuPort: number
  roles: string[]
  status: NodeStatus
  labels: Record<string, string>
  createdAt: string
  updatedAt: string
  lastSeen: string | null
  draining: boolean
  detectionStatus?: DetectionStatus
  detectionError?: string | null
}
/** The seed calls it Node; FleetNode avoids clashing with the DOM's Node. */
export type { FleetNode as Node }

export interface RoleInfo {
  id: string
  label: string
  category: string
  description: string
}

export interface NodeListResponse {
  nodes: FleetNode[]
  total: number
  page: number
  per_page: number
}

export interface NodeQuery {
  role?: string
  status?: NodeStatus | ''
  q?: string
  page?: number
  per_page?: number
}

export interface NodeCreate {
  name: string
  ip: string
  npuPort?: number
  roles?: string[]
  labels?: Record<string, string>
}

export type NodePatch = Partial<Pick<FleetNode, 'name' | 'ip' | 'npuPort' | 'roles' | 'labels'>>

export type DeviceType = 'intel-npu' | 'nvidia-gpu' | 'amd-gpu' | 'amd-npu' | 'intel-gpu' | 'cpu'

export interface NPUCapabilities {
  models: string[]
  maxConcurrent: number
  memoryGB: number
  deviceType: DeviceType
  utilization: number
  /** Beside the names: only from workers that name each model's engine or kind. */
  modelDetails?: ModelDetails[]
}

/** What kind of model it is, as the worker says; other strings are shown as given. */
export type ModelKind = 'tensor' | 'chat' | 'completion' | 'embedding'

export interface ModelDetails {
  name: string
  kind: ModelKind | string | null
  /** "opencv", "llama", or "remote:<name>" for a remote inference server. */
  engine: string | null
  sizeBytes: number | null
  /** GGUF models only. */
  architecture: string | null
  contextLength: number | null
  embeddingDim: number | null
  parameters: number | null
}

/** Live figures of one generating (LLM) model; null until the worker has them. */
export interface GenerationFigures {
  tokensPerSecond: number | null
  ttftP50Ms: number | null
  ttftP95Ms: number | null
  promptTokens: number | null
  completionTokens: number | null
  /** While the model is loaded. */
  kvCache: { usedCells: number | null; capacityCells: number | null } | null
}

/** A remote inference server the worker forwards to, as the worker last saw it. */
export interface RemoteEngineHealth {
  name: string
  protocol: string
  url: string
  /** "up" or "down"; empty when the worker does not say. */
  status: 'up' | 'down' | string
  error: string | null
}

/** Figures the worker did not report (yet) are null, never invented. */
export interface NpuMetrics {
  inferenceTimeMs: { p50: number | null; p95: number | null }
  throughputPerMin: number | null
  running: number
  queued: number
  maxConcurrent: number
  memory: { processRssBytes: number | null; models: Record<string, number> }
  /** Per generating (LLM) model; absent from older servers. */
  models?: Record<string, GenerationFigures>
}

export interface NpuStatus {
  node_id: string
  capabilities: NPUCapabilities | null
  loadedModels: string[]
  queueDepth: number
  lastHealthCheck: string | null
  detectionStatus?: DetectionStatus
  detectionError?: string | null
  status?: NodeStatus
  metrics?: NpuMetrics | null
  /** Why the node has its status, e.g. "connection refused" (contract 21 section 1). */
  statusReason?: string
  statusSince?: string | null
  /** The last probe attempt, failed or not; lastHealthCheck is the last successful one. */
  lastProbe?: ProbeAttempt | null
  running?: number
  utilization?: number
  device?: DeviceTelemetry | null
  /** The worker's remote engines with their health; null when its /health lists none. */
  remotes?: RemoteEngineHealth[] | null
  /** True when offline/unknown: the figures are the last known, not current. */
  stale?: boolean
  deviceName?: string
  latencyMs?: number
}

export interface ProbeAttempt {
  at: string
  ok: boolean
  error: string | null
  latencyMs: number
}

export interface DeviceTelemetry {
  name: string
  /** host: RAM of the machine (CPU workers); device: memory of the GPU/NPU. */
  memoryKind: 'host' | 'device'
  /** The memory is the host's, shared: not a per-node capacity. */
  sharedHostMemory: boolean
  memoryTotalGb: number | null
  memoryUsedGb: number | null
  temperatureC: number | null
  powerW: number | null
  frequencyMhz: number | null
  maxFrequencyMhz: number | null
  utilizationSource: 'device' | 'engine' | null
}

/** Fleet-wide live figures (fleet.metrics' "fleet", overview's "current"). */
export interface FleetFigures {
  requestsPerSec: number
  p50Ms: number | null
  p95Ms: number | null
  errorRate: number
  avgUtilization: number
  inFlight: number
  queueDepth: number
  running: number
  online: number
  total: number
}

export interface NodeLiveFigures {
  nodeId: string
  status: NodeStatus
  utilization: number
  queueDepth: number
  running: number
  inFlight: number
  requestsPerSec: number
  p50Ms: number | null
  p95Ms: number | null
  errorRate: number
}

export interface FleetMetricsEvent {
  nodeId: ''
  at: string
  fleet: FleetFigures
  nodes: NodeLiveFigures[]
}

export interface OverviewPoint {
  t: string
  requestsPerSec: number
  p50Ms: number | null
  p95Ms: number | null
  errorRate: number
  avgUtilization: number
}

export interface FleetOverview {
  window: '1h'
  intervalSec: number
  current: FleetFigures
  points: OverviewPoint[]
}

export type TimelineType = 'status' | 'ejection' | 'detection' | 'config'

export interface TimelineEvent {
  at: string
  type: TimelineType
  nodeId: string | null
  nodeName: string | null
  summary: string
  detail: Record<string, unknown>
}

export interface AuditQuery {
  action?: string
  actor?: string
  target?: string
  since?: string
  until?: string
}

export interface NpuNodeEntry {
  node: FleetNode
  npu: NpuStatus
}

export interface NpuSummary {
  npuNodes: number
  totalModels: number
  avgUtilization: number
  byStatus: Record<NodeStatus, number>
}

export interface DetectResult {
  nodeId: string
  detectionStatus: DetectionStatus
  detectionError: string | null
}

export interface ProbeResult {
  ok: boolean
  capabilities: NPUCapabilities | null
  loadedModels: string[]
  deviceName?: string
  error?: string
}

export type HistoryWindow = '1h' | '24h' | '7d'

export interface HistoryPoint {
  t: string | number
  utilization: number
  queueDepth: number
  running: number
  latencyMs: number
}

export interface NpuHistory {
  window: HistoryWindow
  points: HistoryPoint[]
}

export type LbStrategy = 'round-robin' | 'least-loaded' | 'model-affinity'
export type LbFallback = 'least-loaded' | 'none'

export interface LoadBalancingConfig {
  strategy: LbStrategy
  modelAffinity: Record<string, string[]>
  fallback: LbFallback
  maxRetries: number
  queueTimeoutMs: number
  queueLimit?: number
  requestTimeoutMs?: number
  ejection?: EjectionConfig
}

export interface EjectionConfig {
  enabled: boolean
  consecutiveFailures: number
  baseEjectionMs: number
  maxEjectionMs: number
  maxEjectionPercent: number
}

export interface RoutingNodeStats {
  nodeId: string
  routed: number
  inFlight: number
  failures: number
  retries: number
  ejections: number
  ejected: boolean
  latencyMs: { p50: number; p95: number }
  requestsPerSec?: number
}

export interface RoutingFailure {
  at: string
  model: string
  nodeId: string | null
  /** Worker or router status; 0 = connection failure. */
  status: number
  reason: string
  retried: boolean
  /** What the client got; null when a retry served it. */
  clientStatus: number | null
}

export interface RoutingDecision {
  at: string
  model: string
  nodeId: string
  strategy: string
  reason: string
}

export interface RoutingStats {
  nodes: RoutingNodeStats[]
  decisions: RoutingDecision[]
  failures?: RoutingFailure[]
}

export interface AuditEntry {
  id: string | number
  at: string
  actor: string
  action: string
  target: string
  before: unknown
  after: unknown
}

export interface AuditPage {
  entries: AuditEntry[]
  total: number
  page: number
  per_page: number
}

export interface ApiErrorDetail {
  field?: string
  message: string
}

export type FleetEventType =
  | 'node.status'
  | 'node.detection'
  | 'node.capabilities'
  | 'node.updated'
  | 'node.deleted'
  | 'fleet.metrics'

export interface FleetEvent {
  type: FleetEventType
  data: { nodeId: string } & Record<string, unknown>
}

/** Progress of one node inside a bulk operation (detect all, refresh all). */
export interface BulkProgressItem {
  nodeId: string
  name: string
  state: 'queued' | 'running' | 'done' | 'failed'
  message?: string
}
