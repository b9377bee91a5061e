// What each user role may do in the UI. The API enforces the same rules; the UI only hides
// or disables what a role may not do (DESIGN.md 4.1: admin > operator > viewer; the
// 'inference' role is for inference clients and sees nothing of the admin UI).
import type { UserRole } from '@/types'

export type Action =
  | 'view' // see the fleet at all
  | 'manageNodes' // add, edit, delete, drain nodes
  | 'assignNpuRole' // assign or remove the npu-worker role
  | 'editLoadBalancing'
  | 'detect' // run capability detection
  | 'loadModels' // load / unload models on a worker
  | 'viewAudit'

const RANK: Record<UserRole, number> = { inference: 0, viewer: 1, operator: 2, admin: 3 }

const MIN_ROLE: Record<Action, UserRole> = {
  view: 'viewer',
  detect: 'operator',
  loadModels: 'operator',
  manageNodes: 'admin',
  assignNpuRole: 'admin',
  editLoadBalancing: 'admin',
  viewAudit: 'admin', // the audit log holds token names and every change's before/after
}

export function roleAllows(role: UserRole | null | undefined, action: Action): boolean {
  if (!role || !(role in RANK)) return false
  return RANK[role] >= RANK[MIN_ROLE[action]]
}
