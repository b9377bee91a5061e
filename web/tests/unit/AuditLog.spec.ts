import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import AuditLog from '@/components/fleet/AuditLog.vue'
import { auditDiff, localToIso } from '@/components/fleet/auditDiff'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, makeNode } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'
import type { AuditEntry } from '@/types'

const entry: AuditEntry = {
  id: 7,
  at: '2026-02-04T10:30:05.123Z',
  actor: 'alice',
  action: 'node.update',
  target: 'n1',
  before: { name: 'old-box', labels: { zone: 'a' }, npuPort: 8081 },
  after: { name: 'gpu-box', labels: { zone: 'a', rack: '3' }, npuPort: 8081 },
}

describe('AuditLog', () => {
  let api: FakeApi
  let w: VueWrapper | null = null
  beforeEach(() => {
    api = new FakeApi().on('GET /api/audit', () => ({ body: { entries: [entry], total: 1, page: 1, per_page: 20 } })).install()
  })
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })
  async function open() {
    w = mountWith(AuditLog, { role: 'admin' })
    useFleetStore().nodes = [makeNode({ id: 'n1', name: 'gpu-box' })]
    await flushPromises()
    return w
  }

  it('shows the node name beside its id and ISO dates', async () => {
    const w = await open()
    expect(w.get('[data-test="audit-target"]').text()).toBe('gpu-box n1')
    expect(w.get('[data-test="audit-at"]').text()).toBe('2026-02-04T10:30:05Z')
  })

  it('shows a diff of only what changed', async () => {
    const w = await open()
    await w.get('[data-test="audit-toggle"]').trigger('click')
    const rows = w.findAll('[data-test="audit-diff"] tbody tr')
    expect(rows.map((r) => r.attributes('data-path'))).toEqual(['labels.rack', 'name'])
    expect(w.get('[data-path="name"]').text()).toContain('old-box')
    expect(w.get('[data-path="name"]').text()).toContain('gpu-box')
    expect(w.get('[data-path="labels.rack"]').classes()).toContain('diff-added')
  })

  it('sends the filters the API takes', async () => {
    const w = await open()
    await w.get('[data-test="audit-f-action"]').setValue('node.update')
    await w.get('[data-test="audit-f-actor"]').setValue('alice')
    await w.get('[data-test="audit-f-target"]').setValue('n1')
    await w.get('[data-test="audit-f-since"]').setValue('2026-02-04T10:00')
    await w.get('[data-test="audit-f-until"]').setValue('2026-02-04T11:00')
    await w.get('[data-test="audit-filters"]').trigger('submit')
    await flushPromises()
    const calls = api.callsTo('GET', '/api/audit')
    const q = calls[calls.length - 1].query
    expect(q.get('action')).toBe('node.update')
    expect(q.get('actor')).toBe('alice')
    expect(q.get('target')).toBe('n1')
    expect(q.get('since')).toBe(localToIso('2026-02-04T10:00'))
    expect(q.get('until')).toBe(localToIso('2026-02-04T11:00'))
    expect(q.get('page')).toBe('1')
    await w.get('[data-test="audit-clear"]').trigger('click')
    await flushPromises()
    const last = api.callsTo('GET', '/api/audit').at(-1)!.query
    expect(last.get('action')).toBeNull()
  })

  it('refuses a "from" after the "to" without asking the API', async () => {
    const w = await open()
    const before = api.callsTo('GET', '/api/audit').length
    await w.get('[data-test="audit-f-since"]').setValue('2026-02-04T12:00')
    await w.get('[data-test="audit-f-until"]').setValue('2026-02-04T11:00')
    await w.get('[data-test="audit-filters"]').trigger('submit')
    await flushPromises()
    expect(api.callsTo('GET', '/api/audit')).toHaveLength(before)
    expect(w.text()).toContain('The "from" time is after the "to" time.')
  })

  it('is a wrapping list, not a wide table, so it fits a phone', async () => {
    const w = await open()
    expect(w.find('[data-test="audit-log"] > .table-wrap').exists()).toBe(false)
    expect(w.findAll('.audit-entry')).toHaveLength(1)
  })

  it('diffs nested objects, additions and removals', () => {
    expect(auditDiff(null, { a: 1 })).toEqual([{ path: 'a', before: null, after: '1', kind: 'added' }])
    expect(auditDiff({ a: { b: true } }, {})).toEqual([{ path: 'a.b', before: 'true', after: null, kind: 'removed' }])
    expect(auditDiff({ roles: ['x'] }, { roles: ['x', 'y'] })).toEqual([{ path: 'roles', before: '["x"]', after: '["x","y"]', kind: 'changed' }])
  })
})
