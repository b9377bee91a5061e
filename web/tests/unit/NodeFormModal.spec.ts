import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import NodeFormModal from '@/components/fleet/NodeFormModal.vue'
import { validateNodeForm } from '@/components/fleet/nodeFormValidation'
import { FakeApi } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'

describe('validateNodeForm', () => {
  it('names every problem at once, in words, each once', () => {
    const problems = validateNodeForm({ name: ' ', ip: '', npuPort: '', labels: 'rack' })
    expect(Object.keys(problems).sort()).toEqual(['ip', 'labels', 'name', 'npuPort'])
    expect(problems.npuPort).toBe('Worker port is required.')
    for (const text of Object.values(problems)) expect(text).not.toMatch(/npuPort|maxRetries/)
  })
  it('applies the server rules for names, ports and labels', () => {
    expect(validateNodeForm({ name: 'npu-01', ip: '10.0.0.1', npuPort: '8081', labels: 'rack=a1, zone=eu' })).toEqual({})
    expect(validateNodeForm({ name: 'a'.repeat(65), ip: 'h', npuPort: 1, labels: '' }).name).toBeTruthy()
    expect(validateNodeForm({ name: 'ok', ip: 'h', npuPort: '70000', labels: '' }).npuPort).toMatch(/1 to 65535/)
    expect(validateNodeForm({ name: 'ok', ip: 'h', npuPort: '80.5', labels: '' }).npuPort).toBeTruthy()
    expect(validateNodeForm({ name: 'ok', ip: 'h', npuPort: 80, labels: 'k=<b>' }).labels).toMatch(/control characters/)
  })
})

describe('NodeFormModal', () => {
  let api: FakeApi
  let w: VueWrapper | null = null
  beforeEach(() => {
    api = new FakeApi().on('POST /api/fleet/nodes', (c) => ({ status: 201, body: c.body })).install()
  })
  afterEach(() => {
    w?.unmount()
    w = null
  })

  it('sends nothing while the form has problems and shows them all at their fields', async () => {
    w = mountWith(NodeFormModal, { props: { open: true, node: null } })
    await flushPromises()
    const body = document.body
    ;(body.querySelector('[data-test="node-port"]') as HTMLInputElement).value = ''
    body.querySelector('[data-test="node-port"]')!.dispatchEvent(new Event('input'))
    ;(body.querySelector('[data-test="save-node"]') as HTMLButtonElement).click()
    await flushPromises()
    expect(api.callsTo('POST', '/api/fleet/nodes')).toHaveLength(0)
    for (const f of ['name', 'ip', 'npuPort']) expect(body.querySelector(`[data-field-error="${f}"]`)).not.toBeNull()
    expect(body.querySelector('[data-test="node-form-error"]')?.textContent).toContain('3 fields need fixing')
  })
})
