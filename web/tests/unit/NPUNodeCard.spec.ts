import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import NPUNodeCard from '@/components/npu/NPUNodeCard.vue'
import { makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'

const node = makeNode({ id: 'n1', name: 'edge-npu-01', roles: ['npu-worker'], status: 'degraded', ip: '10.0.0.5', npuPort: 8081 })

describe('NPUNodeCard', () => {
  it('shows name, status, device badge, loaded models and utilization', () => {
    const caps = makeCaps({ deviceType: 'amd-npu', models: ['a', 'b', 'c'], utilization: 72.4, maxConcurrent: 6, memoryGB: 16 })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, npu: makeStatus('n1', { capabilities: caps, loadedModels: ['a', 'b'] }) } })
    expect(w.text()).toContain('edge-npu-01')
    expect(w.find('.status-degraded').exists()).toBe(true)
    expect(w.get('[data-test="device-badge"]').text()).toBe('AMD NPU')
    expect(w.get('[data-test="loaded-count"]').text()).toBe('2 / 3')
    expect(w.get('[data-test="utilization"]').text()).toBe('72%')
    expect(w.get('[data-test="max-concurrent"]').text()).toBe('6')
    expect(w.get('[data-test="memory"]').text()).toBe('16 GB')
    expect(w.get('.util-fill').attributes('style')).toContain('width: 72.4%')
    expect(w.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('72')
  })

  it('rounds fractional device memory (a CPU worker reports its RAM)', () => {
    const caps = makeCaps({ memoryGB: 23.540576934814453 })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, npu: makeStatus('n1', { capabilities: caps }) } })
    expect(w.get('[data-test="memory"]').text()).toBe('23.5 GB')
  })

  it.each([
    ['intel-npu', 'Intel NPU'],
    ['nvidia-gpu', 'NVIDIA GPU'],
    ['amd-gpu', 'AMD GPU'],
    ['intel-gpu', 'Intel GPU'],
    ['cpu', 'CPU'],
  ] as const)('labels device type %s as %s', (type, label) => {
    const w = mount(NPUNodeCard, { props: { node, capabilities: makeCaps({ deviceType: type }) } })
    expect(w.get('[data-test="device-badge"]').text()).toBe(label)
  })

  it('shows detection in progress and a failure with its reason', async () => {
    const w = mount(NPUNodeCard, { props: { node: { ...node, detectionStatus: 'detecting' as const } } })
    expect(w.get('[data-test="detection-state"]').text()).toContain('Detecting')
    expect(w.get('[data-test="device-badge"]').text()).toBe('No capabilities yet')
    await w.setProps({ node: { ...node, detectionStatus: 'failed' as const, detectionError: 'connection refused' } })
    expect(w.get('[data-test="detection-state"]').text()).toContain('connection refused')
  })

  it('emits select from Details', async () => {
    const w = mount(NPUNodeCard, { props: { node } })
    await w.get('[data-test="details"]').trigger('click')
    expect(w.emitted('select')?.[0]).toEqual([node])
  })

  it('removes the role only after confirmation', async () => {
    const w = mount(NPUNodeCard, { props: { node, canRemoveRole: true } })
    await w.get('[data-test="remove-role"]').trigger('click')
    expect(w.emitted('remove-role')).toBeUndefined()
    await w.get('[data-test="cancel-remove"]').trigger('click')
    expect(w.emitted('remove-role')).toBeUndefined()
    await w.get('[data-test="remove-role"]').trigger('click')
    await w.get('[data-test="confirm-remove"]').trigger('click')
    expect(w.emitted('remove-role')?.[0]).toEqual([node])
  })

  it('offers no role removal to users who may not remove it', () => {
    const w = mount(NPUNodeCard, { props: { node, canRemoveRole: false } })
    expect(w.find('[data-test="remove-role"]').exists()).toBe(false)
  })
})
