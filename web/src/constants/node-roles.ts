// Node role ids the fleet knows about. The server's GET /api/fleet/roles is the source of
// truth at run time; this list is the fallback and gives the UI stable ids to refer to.

export const NPU_WORKER_ROLE = 'npu-worker'

export interface NodeRoleDef {
  id: string
  label: string
  category: string
  description: string
}

export const NODE_ROLES: readonly NodeRoleDef[] = [
  {
    id: NPU_WORKER_ROLE,
    label: 'NPU Worker',
    category: 'inference',
    description: 'Runs AI inference on an NPU, GPU or CPU; capabilities are detected automatically.',
  },
  {
    id: 'gateway',
    label: 'Gateway',
    category: 'network',
    description: 'Receives inference traffic and forwards it to workers.',
  },
  {
    id: 'storage',
    label: 'Storage',
    category: 'data',
    description: 'Holds model files and data sets.',
  },
  {
    id: 'monitoring',
    label: 'Monitoring',
    category: 'operations',
    description: 'Collects metrics and logs.',
  },
]

export function roleLabel(id: string, known: readonly { id: string; label: string }[] = NODE_ROLES): string {
  return known.find((r) => r.id === id)?.label ?? id
}
