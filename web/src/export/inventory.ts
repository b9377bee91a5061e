// Inventory export: every node with its roles and, for NPU nodes, detected capabilities.
import type { FleetNode, NPUCapabilities, NpuStatus } from '@/types'

export interface InventoryRow {
  id: string
  name: string
  ip: string
  npuPort: number
  status: string
  roles: string[]
  labels: Record<string, string>
  draining: boolean
  lastSeen: string | null
  deviceType: string | null
  models: string[]
  loadedModels: string[]
  maxConcurrent: number | null
  memoryGB: number | null
  utilization: number | null
  detectionStatus: string | null
}

export function inventoryRows(
  nodes: FleetNode[],
  caps: Map<string, NPUCapabilities>,
  statuses: Map<string, NpuStatus>,
): InventoryRow[] {
  return nodes.map((n) => {
    const c = caps.get(n.id)
    const s = statuses.get(n.id)
    return {
      id: n.id,
      name: n.name,
      ip: n.ip,
      npuPort: n.npuPort,
      status: n.status,
      roles: [...n.roles],
      labels: { ...(n.labels ?? {}) },
      draining: n.draining,
      lastSeen: n.lastSeen,
      deviceType: c?.deviceType ?? null,
      models: c ? [...c.models] : [],
      loadedModels: s ? [...s.loadedModels] : [],
      maxConcurrent: c?.maxConcurrent ?? null,
      memoryGB: c?.memoryGB ?? null,
      utilization: c?.utilization ?? null,
      detectionStatus: s?.detectionStatus ?? n.detectionStatus ?? null,
    }
  })
}

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so spreadsheets do not run it as a formula. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v)
  if (/^[=+\-@]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const CSV_COLUMNS: (keyof InventoryRow)[] = [
  'id',
  'name',
  'ip',
  'npuPort',
  'status',
  'roles',
  'labels',
  'draining',
  'lastSeen',
  'deviceType',
  'models',
  'loadedModels',
  'maxConcurrent',
  'memoryGB',
  'utilization',
  'detectionStatus',
]

export function inventoryCsv(rows: InventoryRow[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const r of rows) {
    lines.push(
      CSV_COLUMNS.map((c) => {
        const v = r[c]
        if (Array.isArray(v)) return csvCell(v.join(';'))
        if (v && typeof v === 'object') return csvCell(Object.entries(v).map(([k, x]) => `${k}=${x}`).join(';'))
        return csvCell(v)
      }).join(','),
    )
  }
  return lines.join('\r\n') + '\r\n'
}

export function inventoryJson(rows: InventoryRow[], exportedAt = new Date()): string {
  return JSON.stringify({ exportedAt: exportedAt.toISOString(), nodes: rows }, null, 2)
}

export function downloadText(filename: string, text: string, mime: string) {
  const url = URL.createObjectURL(new Blob([text], { type: mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
