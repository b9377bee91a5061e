import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import AssignNPURoleModal from '@/components/npu/AssignNPURoleModal.vue'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, makeCaps, makeNode } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'

const good = makeNode({ id: 'g', name: 'good-node', ip: '10.0.0.1', npuPort: 8081, roles: ['gateway'] })
const bad = makeNode({ id: 'b', name: 'bad-node', ip: '10.0.0.2', npuPort: 9999 })

describe('AssignNPURoleModal', () => {
  let api: FakeApi
  let w: VueWrapper | null = null

  beforeEach(() => {
    api = new FakeApi()
      .on('POST /api/npu/probe', (c) => {
        const body = c.body as { ip: string; npuPort: number }
        return body.ip === '10.0.0.1'
          ? { body: { ok: true, deviceName: 'Intel Core Ultra NPU', loadedModels: [], capabilities: makeCaps({ deviceType: 'intel-npu', models: ['a', 'b'], maxConcurrent: 4, memoryGB: 16 }) } }
          : { body: { ok: false, capabilities: null, loadedModels: [], error: 'connection refused on 10.0.0.2:9999' } }
      })
      .on('POST /api/fleet/nodes/:id/roles/:role', (_c, p) => ({
        body: { ...(p.id === 'g' ? good : bad), roles: [...(p.id === 'g' ? good : bad).roles, p.role], detectionStatus: 'detecting' },
      }))
      .on('GET /api/nodes/:id/npu/status', () => ({ status: 409, body: { error: { code: 'detecting', message: 'detecting' } } }))
      .install()
  })
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  async function open() {
    w = mountWith(AssignNPURoleModal, { props: { visible: true, availableNodes: [good, bad] } })
    useFleetStore().nodes = [good, bad]
    await flushPromises()
    return w
  }

  it('probes every candidate and previews capabilities or the failure reason', async () => {
    const w = await open()
    expect(api.callsTo('POST', '/api/npu/probe').map((c) => c.body)).toEqual([
      { ip: '10.0.0.1', npuPort: 8081 },
      { ip: '10.0.0.2', npuPort: 9999 },
    ])
    const goodRow = w.get('[data-node-name="good-node"]')
    expect(goodRow.get('[data-test="device-badge"]').text()).toBe('Intel NPU')
    expect(goodRow.get('[data-test="probe-preview"]').text()).toContain('2 models')
    expect(goodRow.get('[data-test="probe-preview"]').text()).toContain('16 GB')
    expect(w.get('[data-node-name="bad-node"] [data-test="probe-error"]').text()).toContain('connection refused on 10.0.0.2:9999')
  })

  it('assigns the role to the chosen nodes only, then closes', async () => {
    const w = await open()
    expect(w.get('[data-test="confirm-assign"]').attributes('disabled')).toBeDefined()
    await w.get('[data-test="pick-good-node"]').setValue(true)
    await w.get('[data-test="confirm-assign"]').trigger('click')
    await flushPromises()
    expect(api.callsTo('POST', '/api/fleet/nodes/g/roles/npu-worker')).toHaveLength(1)
    expect(api.callsTo('POST', '/api/fleet/nodes/b/roles/npu-worker')).toHaveLength(0)
    expect(w.emitted('assigned')?.[0]).toEqual([['g']])
    expect(w.emitted('update:visible')?.at(-1)).toEqual([false])
  })

  it('keeps the dialog open and shows why an assignment failed', async () => {
    api.on('POST /api/fleet/nodes/:id/roles/:role', () => ({ status: 403, body: { error: { code: 'forbidden', message: 'only admins assign npu-worker' } } }))
    const w = await open()
    await w.get('[data-test="pick-bad-node"]').setValue(true)
    await w.get('[data-test="confirm-assign"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-node-name="bad-node"] [data-test="assign-error"]').text()).toContain('only admins assign npu-worker')
    expect(w.emitted('update:visible')).toBeUndefined()
  })

  it('closes on Escape', async () => {
    const w = await open()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(w.emitted('update:visible')?.[0]).toEqual([false])
  })

  it('says so when no node lacks the role', async () => {
    w = mountWith(AssignNPURoleModal, { props: { visible: true, availableNodes: [] } })
    await flushPromises()
    expect(w.find('[data-test="no-candidates"]').exists()).toBe(true)
  })
})
