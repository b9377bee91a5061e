// Issue 21: status in words as well as colour, with its reason and age; an offline card's
// figures are marked as the last known; drain from the card after a confirmation.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import StatusDot from '@/components/common/StatusDot.vue'
import NPUNodeCard from '@/components/npu/NPUNodeCard.vue'
import { statusPhrase } from '@/format'
import { makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'

describe('StatusDot', () => {
  it('shows its word when no label prop is given (a missing boolean prop is false in Vue)', () => {
    const w = mount(StatusDot, { props: { status: 'offline' } })
    expect(w.get('[data-test="status"] span:not(.dot)').classes()).not.toContain('sr-only')
    expect(w.text()).toBe('offline')
  })

  it('keeps the word for screen readers only when asked to', () => {
    const w = mount(StatusDot, { props: { status: 'online', label: false } })
    expect(w.get('[data-test="status"] span:not(.dot)').classes()).toContain('sr-only')
  })
})

describe('statusPhrase', () => {
  it('says what, for how long and why', () => {
    const now = Date.parse('2026-02-04T10:03:10Z')
    expect(statusPhrase('offline', '2026-02-04T10:00:00Z', 'connection refused', now)).toBe('offline for 3 min: connection refused')
    expect(statusPhrase('degraded', null, 'slow', now)).toBe('degraded: slow')
    expect(statusPhrase('online', '2026-02-04T10:03:00Z', '', now)).toBe('online for 10 s')
  })
})

describe('NPUNodeCard status and stale figures', () => {
  const now = Date.parse('2026-02-04T10:03:10Z')
  const caps = makeCaps({ utilization: 64 })

  it('shows an offline node with its reason and age, and its figures as last known', () => {
    const node = makeNode({ id: 'n', roles: ['npu-worker'], status: 'offline' })
    const npu = makeStatus('n', { status: 'offline', capabilities: caps, statusReason: 'connection refused', statusSince: '2026-02-04T10:00:00Z', stale: true })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, npu, now } })
    expect(w.get('[data-test="status-reason"]').text()).toBe('offline for 3 min: connection refused')
    expect(w.get('[data-test="stale-note"]').text()).toContain('Last known')
    expect(w.classes()).toContain('npu-card-stale')
    expect(w.text()).toContain('(last known)')
    expect(w.get('[role="progressbar"]').attributes('aria-label')).toBe('Utilization, last known')
  })

  it('shows an online node\'s figures as current, without a reason line', () => {
    const node = makeNode({ id: 'n', roles: ['npu-worker'], status: 'online' })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, npu: makeStatus('n', { capabilities: caps, stale: false }), now } })
    expect(w.find('[data-test="status-reason"]').exists()).toBe(false)
    expect(w.find('[data-test="stale-note"]').exists()).toBe(false)
    expect(w.get('[data-test="utilization"]').text()).toBe('64%')
  })

  it('does not show shared host RAM as the node\'s memory', () => {
    const node = makeNode({ id: 'n', roles: ['npu-worker'] })
    const cpu = makeCaps({ deviceType: 'cpu', memoryGB: 31.2 })
    const device = { name: 'cpu', memoryKind: 'host' as const, sharedHostMemory: true, memoryTotalGb: 31.2, memoryUsedGb: 12, temperatureC: null, powerW: null, frequencyMhz: null, maxFrequencyMhz: null, utilizationSource: 'engine' as const }
    const w = mount(NPUNodeCard, { props: { node, capabilities: cpu, npu: makeStatus('n', { capabilities: cpu, device }) } })
    expect(w.get('[data-test="memory"]').text()).toBe('shared')
    expect(w.text()).toContain('Host RAM')
  })

  it('drains only after a confirmation and shows in-flight requests while draining', async () => {
    const node = makeNode({ id: 'n', roles: ['npu-worker'] })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, canDrain: true } })
    await w.get('[data-test="drain"]').trigger('click')
    expect(w.emitted('drain')).toBeUndefined()
    await w.get('[data-test="confirm-drain"]').trigger('click')
    expect(w.emitted('drain')?.[0]).toEqual([node, true])
    await w.setProps({ node: { ...node, draining: true }, inFlight: 2 })
    expect(w.get('[data-test="draining-badge"]').text()).toBe('draining · 2 in flight')
  })
})
