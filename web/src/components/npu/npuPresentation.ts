// How an NPU node's state reads to an operator: whether its figures are current, what its
// memory figure is, whether it needs attention. Shared by the card, the table and the panel.
import type { DeviceTelemetry, FleetNode, NPUCapabilities, NpuStatus } from '@/types'

/** Offline or unknown: the figures are the last known, not current. */
export function isStale(node: Pick<FleetNode, 'status'>, npu: NpuStatus | null | undefined): boolean {
  if (npu && typeof npu.stale === 'boolean') return npu.stale || node.status === 'offline' || node.status === 'unknown'
  return node.status === 'offline' || node.status === 'unknown'
}

/** Offline, degraded or failed detection, or ejected by the router: listed apart. */
export function needsAttention(node: FleetNode, npu: NpuStatus | null | undefined): boolean {
  const detection = npu?.detectionStatus ?? node.detectionStatus
  return node.status === 'offline' || node.status === 'degraded' || node.status === 'unknown' || detection === 'failed'
}

export interface MemoryLabel {
  /** Short label for a card: "Host RAM" or "Device memory". */
  short: string
  /** Long label for the details panel. */
  long: string
  /** The memory is the host's, shared by everything on it: not this node's capacity. */
  shared: boolean
  title: string
}

export function memoryLabel(device: DeviceTelemetry | null, caps: NPUCapabilities | null): MemoryLabel {
  const host = device ? device.memoryKind === 'host' : caps?.deviceType === 'cpu'
  const shared = !!device?.sharedHostMemory
  const short = host ? 'Host RAM' : 'Device memory'
  const total = device?.memoryTotalGb ?? caps?.memoryGB ?? null
  const title = shared
    ? `Host RAM${total != null ? ` (${Number(total.toFixed(1))} GB)` : ''}, shared with everything else on the machine: not a capacity of this node`
    : host
      ? 'RAM of the host the worker runs on'
      : 'Memory of the accelerator'
  return { short, long: host ? (shared ? 'Host RAM (shared)' : 'Host RAM') : 'Device memory', shared, title }
}
