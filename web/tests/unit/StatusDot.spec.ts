import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import StatusDot from '@/components/common/StatusDot.vue'
import { inventoryCsv, inventoryRows } from '@/export/inventory'
import { makeNode } from '../helpers/fakeApi'

// Issue 21: a node whose npu-worker role was removed is no longer watched; the API calls its
// status "unknown" (with lastSeen as its age) instead of a frozen "online".
describe('unknown status', () => {
  it('is shown in words, with why there is no verdict', () => {
    const w = mount(StatusDot, { props: { status: 'unknown' } })
    expect(w.text()).toBe('unknown')
    expect(w.classes()).toContain('status-unknown')
    expect(w.attributes('title')).toContain('not monitored')
  })

  it('reaches the CSV export with the last-seen age', () => {
    const node = makeNode({ id: 'u', status: 'unknown', roles: [], lastSeen: '2026-02-04T10:00:00.000Z' })
    const line = inventoryCsv(inventoryRows([node], new Map(), new Map())).trimEnd().split('\r\n')[1]
    expect(line).toContain(',unknown,')
    expect(line).toContain('2026-02-04T10:00:00.000Z')
  })
})
