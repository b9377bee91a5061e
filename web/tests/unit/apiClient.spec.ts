import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, api, setApiToken } from '@/api/client'
import { FakeApi } from '../helpers/fakeApi'

describe('api client', () => {
  afterEach(() => setApiToken(null))

  it('sends the bearer token and JSON body', async () => {
    const fake = new FakeApi().on('POST /api/fleet/nodes', (c) => ({ status: 201, body: { id: 'n1', ...(c.body as object) } })).install()
    setApiToken('secret-token')
    const node = await api.createNode({ name: 'w1', ip: '10.0.0.1' })
    expect(node.id).toBe('n1')
    expect(fake.calls[0].headers.Authorization).toBe('Bearer secret-token')
    expect(fake.calls[0].headers['Content-Type']).toBe('application/json')
    expect(fake.calls[0].body).toEqual({ name: 'w1', ip: '10.0.0.1' })
  })

  it('turns the error envelope into an ApiError with field details', async () => {
    new FakeApi()
      .on('POST /api/npu/load-balancing', () => ({
        status: 400,
        body: { error: { code: 'invalid_argument', message: 'bad config', details: [{ field: 'maxRetries', message: 'must be >= 0' }] } },
      }))
      .install()
    const err = await api
      .saveLoadBalancing({ strategy: 'round-robin', modelAffinity: {}, fallback: 'none', maxRetries: -1, queueTimeoutMs: 1 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(400)
    expect(e.code).toBe('invalid_argument')
    expect(e.fieldErrors()).toEqual({ maxRetries: 'must be >= 0' })
  })

  it('keeps the status when the error body is not JSON', async () => {
    new FakeApi().install()
    const { vi } = await import('vitest')
    vi.stubGlobal('fetch', async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const e = (await api.me().catch((x: unknown) => x)) as ApiError
    expect(e.status).toBe(502)
    expect(e.code).toBe('http_502')
  })

  it('encodes path segments so model names cannot change the route', async () => {
    const fake = new FakeApi().on('POST /api/nodes/:id/npu/models/:model/load', (_c, p) => ({ body: { node_id: p.id, model: p.model } })).install()
    await api.loadModel('n 1', 'org/model:v1')
    expect(fake.calls[0].path).toBe('/api/nodes/n%201/npu/models/org%2Fmodel%3Av1/load')
  })
})
