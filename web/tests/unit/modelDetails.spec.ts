// Each model's kind and engine on the card and in the details panel, an LLM's live figures
// (tokens/s, TTFT, KV cache) and remote engines with their health; workers that give none of
// these fields render as before.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import NPUNodeCard from '@/components/npu/NPUNodeCard.vue'
import NPUDetailsPanel from '@/components/npu/NPUDetailsPanel.vue'
import { engineLabel, formatParameters, kvCacheUse, remoteName } from '@/components/npu/npuModels'
import { useFleetStore } from '@/stores/fleet'
import { FakeApi, makeCaps, makeNode, makeStatus } from '../helpers/fakeApi'
import { mountWith } from '../helpers/mountWith'
import type { ModelDetails, NPUCapabilities, NpuMetrics, NpuStatus } from '@/types'

const node = makeNode({ id: 'n1', name: 'llm-box', roles: ['npu-worker'], status: 'online' })

function details(over: Partial<ModelDetails> & { name: string }): ModelDetails {
  return { kind: null, engine: null, sizeBytes: null, architecture: null, contextLength: null, embeddingDim: null, parameters: null, ...over }
}

const llmCaps: NPUCapabilities = makeCaps({
  deviceType: 'nvidia-gpu',
  models: ['embedding-mlp', 'tiny-chat', 'tiny-embed', 'big-remote'],
  modelDetails: [
    details({ name: 'embedding-mlp', kind: 'tensor', engine: 'opencv', sizeBytes: 4096 }),
    details({ name: 'tiny-chat', kind: 'chat', engine: 'llama', architecture: 'llama', contextLength: 4096, parameters: 1_100_000_000 }),
    details({ name: 'tiny-embed', kind: 'embedding', engine: 'llama', contextLength: 512, embeddingDim: 64, parameters: 350_000_000 }),
    details({ name: 'big-remote', kind: 'chat', engine: 'remote:vllm-a' }),
  ],
})

const llmMetrics: NpuMetrics = {
  inferenceTimeMs: { p50: 3, p95: 9 },
  throughputPerMin: 60,
  running: 1,
  queued: 0,
  maxConcurrent: 4,
  memory: { processRssBytes: 1024 ** 3, models: { 'tiny-chat': 1024 ** 2 } },
  models: {
    'tiny-chat': {
      tokensPerSecond: 251.4,
      ttftP50Ms: 12.5,
      ttftP95Ms: 40,
      promptTokens: 1200,
      completionTokens: 34567,
      kvCache: { usedCells: 512, capacityCells: 2048 },
    },
  },
}

describe('model presentation helpers', () => {
  it('names engines and remote servers in words', () => {
    expect(engineLabel('opencv')).toBe('OpenCV')
    expect(engineLabel('llama')).toBe('llama.cpp')
    expect(engineLabel('remote:vllm-a')).toBe('remote vllm-a')
    expect(engineLabel('onnxruntime')).toBe('onnxruntime')
    expect(engineLabel(null)).toBe('')
    expect(remoteName('remote:vllm-a')).toBe('vllm-a')
    expect(remoteName('remote:')).toBeNull()
    expect(remoteName('llama')).toBeNull()
  })

  it('formats parameter counts and KV-cache use, and draws nothing without both KV figures', () => {
    expect(formatParameters(1_100_000_000)).toBe('1.1B')
    expect(formatParameters(350_000_000)).toBe('350M')
    expect(formatParameters(999)).toBe('999')
    expect(formatParameters(null)).toBe('—')
    expect(kvCacheUse({ usedCells: 512, capacityCells: 2048 })).toEqual({ used: 512, capacity: 2048, percent: 25 })
    expect(kvCacheUse({ usedCells: 4000, capacityCells: 2048 })?.percent).toBe(100)
    expect(kvCacheUse({ usedCells: 1, capacityCells: 0 })).toBeNull()
    expect(kvCacheUse({ usedCells: null, capacityCells: 2048 })).toBeNull()
    expect(kvCacheUse(null)).toBeNull()
  })
})

describe('NPUNodeCard models', () => {
  it('shows each model with its kind badge and engine, loaded ones first, and how many more', () => {
    const caps = makeCaps({ ...llmCaps, models: [...llmCaps.models, 'extra'] })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, npu: makeStatus('n1', { capabilities: caps, loadedModels: ['tiny-chat'] }) } })
    const rows = w.findAll('[data-test="card-models"] li[data-model]')
    expect(rows.map((r) => r.attributes('data-model'))).toEqual(['tiny-chat', 'embedding-mlp', 'tiny-embed', 'big-remote'])
    expect(rows[0].get('[data-test="model-kind"]').text()).toBe('chat')
    expect(rows[0].get('[data-test="model-kind"]').classes()).toContain('kind-chat')
    expect(rows[0].get('[data-test="model-engine"]').text()).toBe('llama.cpp')
    expect(rows[1].get('[data-test="model-kind"]').text()).toBe('tensor')
    expect(rows[1].get('[data-test="model-engine"]').text()).toBe('OpenCV')
    expect(rows[3].get('[data-test="model-engine"]').text()).toBe('remote vllm-a')
    expect(w.get('[data-test="card-models-more"]').text()).toBe('+1 more')
    expect(w.get('[data-test="loaded-count"]').text()).toBe('1 / 5')
  })

  it('shows no model list for a worker that gives no details', () => {
    const caps = makeCaps({ models: ['a', 'b'] })
    const w = mount(NPUNodeCard, { props: { node, capabilities: caps, npu: makeStatus('n1', { capabilities: caps, loadedModels: ['a'] }) } })
    expect(w.find('[data-test="card-models"]').exists()).toBe(false)
    expect(w.find('[data-test="model-kind"]').exists()).toBe(false)
    expect(w.get('[data-test="loaded-count"]').text()).toBe('1 / 2')
  })
})

describe('NPUDetailsPanel models', () => {
  let status: NpuStatus
  let w: VueWrapper | null = null

  beforeEach(() => {
    status = makeStatus('n1', { capabilities: llmCaps, loadedModels: ['tiny-chat', 'tiny-embed'], metrics: llmMetrics })
    new FakeApi()
      .on('GET /api/nodes/:id/npu/status', () => ({ body: status }))
      .on('GET /api/nodes/:id/npu/history', { window: '1h', points: [] })
      .on('GET /api/npu/routing/stats', { nodes: [], decisions: [] })
      .install()
  })

  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  async function open() {
    w = mountWith(NPUDetailsPanel, { props: { nodeId: 'n1' }, role: 'admin' })
    useFleetStore().nodes = [node]
    await flushPromises()
    return w
  }

  it('shows kind, engine, context and parameters, and an LLM\'s tokens/s, TTFT and KV cache', async () => {
    const w = await open()
    const chat = w.get('[data-model="tiny-chat"]')
    expect(chat.get('[data-test="model-kind"]').text()).toBe('chat')
    expect(chat.get('[data-test="model-engine"]').text()).toBe('llama.cpp')
    expect(chat.get('[data-test="model-context"]').text()).toBe('ctx 4,096')
    expect(chat.get('[data-test="model-parameters"]').text()).toBe('1.1B params')
    expect(chat.get('[data-test="llm-tokens-per-s"]').text()).toBe('251 tok/s')
    expect(chat.get('[data-test="llm-ttft"]').text()).toBe('13 ms / 40 ms')
    expect(chat.get('[data-test="llm-tokens"]').text()).toBe('1,200 / 34,567')
    const kv = chat.get('[data-test="llm-kv-cache"]')
    expect(kv.text()).toContain('512 / 2,048 cells')
    const bar = kv.get('[role="progressbar"]')
    expect(bar.attributes('aria-valuenow')).toBe('512')
    expect(bar.attributes('aria-valuemax')).toBe('2048')
    expect(bar.get('.util-fill').attributes('style')).toContain('width: 25%')

    // A loaded LLM without figures yet: the figures are dashes, not zeros.
    const embed = w.get('[data-model="tiny-embed"]')
    expect(embed.get('[data-test="model-kind"]').text()).toBe('embedding')
    expect(embed.get('[data-test="llm-tokens-per-s"]').text()).toBe('—')
    expect(embed.get('[data-test="llm-kv-cache"]').text()).toBe('—')

    // An ONNX model: kind and engine, no LLM figures.
    const onnx = w.get('[data-model="embedding-mlp"]')
    expect(onnx.get('[data-test="model-kind"]').text()).toBe('tensor')
    expect(onnx.get('[data-test="model-engine"]').text()).toBe('OpenCV')
    expect(onnx.find('[data-test="model-llm"]').exists()).toBe(false)
    expect(onnx.find('[data-test="model-context"]').exists()).toBe(false)
  })

  it('shows remote engines with their health, beside the models they serve', async () => {
    status = {
      ...status,
      remotes: [
        { name: 'vllm-a', protocol: 'openai', url: 'http://10.0.0.5:8000', status: 'down', error: 'connection refused' },
        { name: 'triton', protocol: 'kserve-v2', url: 'http://10.0.0.6:8000', status: 'up', error: null },
      ],
    }
    const w = await open()
    const remote = w.get('[data-model="big-remote"]')
    expect(remote.get('[data-test="model-engine"]').text()).toBe('remote vllm-a')
    const health = remote.get('[data-test="model-remote-health"]')
    expect(health.text()).toBe('down')
    expect(health.classes()).toContain('remote-down')
    expect(health.attributes('title')).toBe('connection refused')
    const section = w.get('[data-test="remotes-section"]')
    const rows = section.findAll('[data-remote]')
    expect(rows.map((r) => r.attributes('data-remote'))).toEqual(['vllm-a', 'triton'])
    expect(rows[0].get('[data-test="remote-status"]').text()).toBe('down')
    expect(rows[0].get('[data-test="remote-error"]').text()).toBe('connection refused')
    expect(rows[0].text()).toContain('http://10.0.0.5:8000')
    expect(rows[1].get('[data-test="remote-status"]').classes()).toContain('remote-up')
    expect(rows[1].find('[data-test="remote-error"]').exists()).toBe(false)
  })

  it('renders a worker without details, figures or remotes as before', async () => {
    status = makeStatus('n1', {
      capabilities: makeCaps({ models: ['a', 'b'] }),
      loadedModels: ['a'],
      metrics: { ...llmMetrics, models: undefined, memory: { processRssBytes: null, models: {} } },
    })
    const w = await open()
    expect(w.findAll('.model-row').map((r) => r.attributes('data-model'))).toEqual(['a', 'b'])
    expect(w.find('[data-test="model-kind"]').exists()).toBe(false)
    expect(w.find('[data-test="model-engine"]').exists()).toBe(false)
    expect(w.find('[data-test="model-llm"]').exists()).toBe(false)
    expect(w.find('[data-test="remotes-section"]').exists()).toBe(false)
    expect(w.find('[data-test="model-remote-health"]').exists()).toBe(false)
  })
})
