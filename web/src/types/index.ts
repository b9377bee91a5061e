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
}

/** Figures the worker did not report (yet) are null, never invented. */
export interface NpuMetrics {
  inferenceTimeMs: { p50: number | null; p95: number | null }
  throughputPerMin: number | null
  running: number
  queued: number
  maxConcurrent: number
  memory: { processRssBytes: number | null; models: Record<string, number> }
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
