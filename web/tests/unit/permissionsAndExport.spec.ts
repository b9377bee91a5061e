import { describe, expect, it } from 'vitest'
import { roleAllows } from '@/constants/permissions'
import { csvCell, inventoryCsv, inventoryJson, inventoryRows } from '@/export/inventory'
import { makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'

describe('permissions', () => {
  it('orders roles admin > operator > viewer and gives inference nothing', () => {
    expect(roleAllows('admin', 'assignNpuRole')).toBe(true)
    expect(roleAllows('operator', 'assignNpuRole')).toBe(false)
    expect(roleAllows('operator', 'loadModels')).toBe(true)
    expect(roleAllows('operator', 'detect')).toBe(true)
    expect(roleAllows('viewer', 'detect')).toBe(false)
    expect(roleAllows('viewer', 'view')).toBe(true)
    expect(roleAllows('inference', 'view')).toBe(false)
    expect(roleAllows(null, 'view')).toBe(false)
  })

  it('keeps the audit log to admins, as the API does (GET /api/audit needs admin)', () => {
    expect(roleAllows('admin', 'viewAudit')).toBe(true)
    expect(roleAllows('operator', 'viewAudit')).toBe(false)
    expect(roleAllows('viewer', 'viewAudit')).toBe(false)
  })
})

describe('inventory export', () => {
  const nodes = [
    makeNode({ id: 'n1', name: 'npu, "one"', roles: ['npu-worker', 'gateway'], labels: { rack: 'a1' } }),
    makeNode({ id: 'n2', name: '=cmd()', roles: [] }),
  ]
  const caps = new Map([['n1', makeCaps({ deviceType: 'intel-npu', models: ['m1', 'm2'], utilization: 12 })]])
  const statuses = new Map([['n1', makeStatus('n1', { loadedModels: ['m1'] })]])

  it('writes one CSV line per node with quoted cells and joined lists', () => {
    const csv = inventoryCsv(inventoryRows(nodes, caps, statuses))
    const lines = csv.trimEnd().split('\r\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe('id,name,ip,npuPort,status,roles,labels,draining,lastSeen,deviceType,models,loadedModels,maxConcurrent,memoryGB,utilization,detectionStatus')
    expect(lines[1]).toContain('"npu, ""one"""')
    expect(lines[1]).toContain('npu-worker;gateway')
    expect(lines[1]).toContain('intel-npu,m1;m2,m1,4,8,12')
  })

  it('defuses cells that a spreadsheet would run as formulas', () => {
    expect(csvCell('=cmd()')).toBe("'=cmd()")
    expect(csvCell('-5')).toBe('-5')
  })

  it('writes JSON with the export time and every node', () => {
    const parsed = JSON.parse(inventoryJson(inventoryRows(nodes, caps, statuses), new Date('2026-02-04T00:00:00Z')))
    expect(parsed.exportedAt).toBe('2026-02-04T00:00:00.000Z')
    expect(parsed.nodes.map((n: { id: string }) => n.id)).toEqual(['n1', 'n2'])
    expect(parsed.nodes[1].deviceType).toBeNull()
  })
})
