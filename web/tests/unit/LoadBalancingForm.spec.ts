import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import LoadBalancingForm from '@/components/npu/LoadBalancingForm.vue'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'
import type { LoadBalancingConfig, UserRole } from '@/types'

const initial: LoadBalancingConfig = {
  strategy: 'round-robin',
  modelAffinity: {},
  fallback: 'least-loaded',
  maxRetries: 1,
  queueTimeoutMs: 30000,
  queueLimit: 256,
  requestTimeoutMs: 120000,
  ejection: { enabled: true, consecutiveFailures: 5, baseEjectionMs: 30000, maxEjectionMs: 300000, maxEjectionPercent: 50 },
}

describe('LoadBalancingForm', () => {
  let api: FakeApi
  let w: VueWrapper | null = null

  beforeEach(() => {
    api = new FakeApi()
      .on('GET /api/npu/load-balancing', initial)
      .on('POST /api/npu/load-balancing', (c) => ({ body: c.body }))
      .install()
  })
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  async function open(role: UserRole = 'admin') {
    w = mountWith(LoadBalancingForm, { role })
    const fleet = useFleetStore()
    fleet.nodes = [makeNode({ id: 'n1', name: 'npu-a', roles: ['npu-worker'] }), makeNode({ id: 'n2', name: 'npu-b', roles: ['npu-worker'] })]
    fleet.setNpuStatus(makeStatus('n1', { capabilities: makeCaps({ models: ['phi-3-mini'] }) }))
    fleet.setNpuStatus(makeStatus('n2', { capabilities: makeCaps({ models: ['phi-3-mini', 'llama-3.2-1b'] }) }))
    await flushPromises()
    return w
  }

  it('saves the chosen strategy and model affinity', async () => {
    const w = await open()
    await w.get('[data-test="lb-strategy"]').setValue('model-affinity')
    const row = w.get('[data-model="phi-3-mini"]')
    await row.findAll('input[type="checkbox"]')[1].setValue(true)
    await w.get('form').trigger('submit')
    await flushPromises()
    const posted = api.callsTo('POST', '/api/npu/load-balancing')
    expect(posted).toHaveLength(1)
    expect(posted[0].body).toEqual({ ...initial, strategy: 'model-affinity', modelAffinity: { 'phi-3-mini': ['n2'] } })
    expect(w.find('[data-test="lb-saved"]').exists()).toBe(true)
  })

  it('lists for each model only the nodes that serve it, marks draining ones, and searches', async () => {
    const w = await open()
    const fleet = useFleetStore()
    const llama = () => w.get('[data-model="llama-3.2-1b"]')
    // n1 does not serve llama-3.2-1b: not offered.
    expect(llama().findAll('[data-affinity-node]').map((e) => e.attributes('data-affinity-node'))).toEqual(['n2'])
    fleet.nodes = [...fleet.nodes.map((n) => (n.id === 'n2' ? { ...n, draining: true } : n))]
    await flushPromises()
    expect(llama().find('[data-affinity-node="n2"] [data-test="affinity-draining"]').exists()).toBe(true)
    for (let i = 0; i < 60; i++) {
      const id = `x${i}`
      fleet.nodes = [...fleet.nodes, makeNode({ id, name: `big-${i}`, roles: ['npu-worker'] })]
      fleet.setNpuStatus(makeStatus(id, { capabilities: makeCaps({ models: ['llama-3.2-1b'] }) }))
    }
    await flushPromises()
    expect(llama().findAll('[data-affinity-node]')).toHaveLength(50)
    expect(llama().text()).toContain('11 more')
    await w.get('[data-test="affinity-search-llama-3.2-1b"]').setValue('big-5')
    expect(llama().findAll('[data-affinity-node]').map((e) => e.text())).toEqual(
      expect.arrayContaining([expect.stringContaining('big-5')]),
    )
    expect(llama().findAll('[data-affinity-node]').length).toBe(11)
  })

  it('shows server validation errors at the fields they name', async () => {
    api.on('POST /api/npu/load-balancing', () => ({
      status: 400,
      body: {
        error: {
          code: 'invalid_argument',
          message: 'load-balancing configuration is invalid',
          details: [
            { field: 'maxRetries', message: 'must be between 0 and 5' },
            { field: 'modelAffinity.llama-3.2-1b', message: 'lists no node' },
            { field: 'somethingElse', message: 'unexpected' },
          ],
        },
      },
    }))
    const w = await open()
    await w.get('[data-test="lb-max-retries"]').setValue(2)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-field-error="maxRetries"]').text()).toBe('must be between 0 and 5')
    expect(w.get('[data-test="lb-max-retries"]').attributes('aria-invalid')).toBe('true')
    expect(w.get('[data-model="llama-3.2-1b"] .field-error').text()).toBe('lists no node')
    expect(w.find('[data-field-error="strategy"]').exists()).toBe(false)
    // An error for a field the form has no input for is not lost.
    expect(w.get('[data-test="lb-error"]').text()).toContain('somethingElse')
    expect(w.find('[data-test="lb-saved"]').exists()).toBe(false)
  })

  it('is read-only for non-admins, with no save action', async () => {
    const w = await open('operator')
    expect(w.find('[data-test="lb-save"]').exists()).toBe(false)
    expect(w.get('fieldset').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test="lb-readonly"]').exists()).toBe(true)
  })

  it('shows a load error with a retry', async () => {
    api.on('GET /api/npu/load-balancing', () => ({ status: 503, body: { error: { code: 'unavailable', message: 'router not ready' } } }))
    const w = await open()
    expect(w.get('.state-error').text()).toContain('router not ready')
  })

  it('shows every setting the API has, and sends them all', async () => {
    const w = await open()
    expect((w.get('[data-test="lb-queue-limit"]').element as HTMLInputElement).value).toBe('256')
    expect((w.get('[data-test="lb-request-timeout"]').element as HTMLInputElement).value).toBe('120000')
    expect((w.get('[data-test="lb-ej-failures"]').element as HTMLInputElement).value).toBe('5')
    expect((w.get('[data-test="lb-ej-base"]').element as HTMLInputElement).value).toBe('30000')
    expect((w.get('[data-test="lb-ej-max"]').element as HTMLInputElement).value).toBe('300000')
    expect((w.get('[data-test="lb-ej-percent"]').element as HTMLInputElement).value).toBe('50')
    expect((w.get('[data-test="lb-ej-enabled"]').element as HTMLInputElement).checked).toBe(true)
    expect(w.get('[data-test="lb-request-timeout"]').attributes('min')).toBe('100')
    expect(w.get('[data-test="lb-request-timeout"]').attributes('max')).toBe('3600000')
    await w.get('[data-test="lb-queue-limit"]').setValue('10')
    await w.get('[data-test="lb-ej-enabled"]').setValue(false)
    await w.get('[data-test="lb-ej-percent"]').setValue('20')
    await w.get('form').trigger('submit')
    await flushPromises()
    const posted = api.callsTo('POST', '/api/npu/load-balancing')
    expect(posted).toHaveLength(1)
    expect(posted[0].body).toEqual({ ...initial, queueLimit: 10, ejection: { ...initial.ejection!, enabled: false, maxEjectionPercent: 20 } })
  })

  it('validates before sending and shows every problem at once, in operator words', async () => {
    const w = await open()
    await w.get('[data-test="lb-max-retries"]').setValue('')
    await w.get('[data-test="lb-request-timeout"]').setValue('50')
    await w.get('[data-test="lb-ej-percent"]').setValue('150')
    await w.get('[data-test="lb-ej-base"]').setValue('60000')
    await w.get('[data-test="lb-ej-max"]').setValue('1000')
    await w.get('[data-test="lb-queue-limit"]').setValue('2.5')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.callsTo('POST', '/api/npu/load-balancing')).toHaveLength(0)
    expect(w.get('[data-field-error="maxRetries"]').text()).toBe('Max retries is required.')
    expect(w.get('[data-field-error="requestTimeoutMs"]').text()).toBe('Request timeout must be between 100 and 3,600,000 ms.')
    expect(w.get('[data-field-error="ejection.maxEjectionPercent"]').text()).toContain('between 0 and 100')
    expect(w.get('[data-field-error="ejection.maxEjectionMs"]').text()).toContain('must not be shorter than the first ejection')
    expect(w.get('[data-field-error="queueLimit"]').text()).toBe('Queue limit must be a whole number.')
    expect(w.get('[data-test="lb-problems"]').text()).toContain('5 settings need fixing')
    const all = w.findAll('.field-error').map((e) => e.text())
    expect(all).toHaveLength(5)
    expect(new Set(all).size).toBe(5)
    for (const m of all) expect(m).not.toMatch(/maxRetries|requestTimeoutMs|queueLimit|maxEjection/)
  })

  it('treats an empty Max retries as an error, never a silent 0', async () => {
    const w = await open()
    await w.get('[data-test="lb-max-retries"]').setValue('')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.callsTo('POST', '/api/npu/load-balancing')).toHaveLength(0)
    expect(w.get('[data-test="lb-max-retries"]').attributes('aria-invalid')).toBe('true')
    await w.get('[data-test="lb-max-retries"]').setValue('0')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.callsTo('POST', '/api/npu/load-balancing')[0].body).toMatchObject({ maxRetries: 0 })
  })
})
