// How a node's models read to an operator: each model's kind and engine (the worker's
// capabilities.modelDetails), which engines are remote servers and how they are, and a
// generating model's live figures. Shared by the card and the details panel; workers that give
// no details (the seed's dialects, older npufleet workers) get none of it, not guesses.
import type { GenerationFigures, ModelDetails, NPUCapabilities, RemoteEngineHealth } from '@/types'

const REMOTE_PREFIX = 'remote:'
const GENERATING_KINDS = new Set(['chat', 'completion', 'embedding'])

export function detailsByName(caps: NPUCapabilities | null | undefined): Map<string, ModelDetails> {
  const out = new Map<string, ModelDetails>()
  for (const d of caps?.modelDetails ?? []) {
    if (d && typeof d.name === 'string') out.set(d.name, d)
  }
  return out
}

/** "remote:vllm-a" -> "vllm-a"; null for local engines. */
export function remoteName(engine: string | null | undefined): string | null {
  if (!engine || !engine.startsWith(REMOTE_PREFIX)) return null
  return engine.slice(REMOTE_PREFIX.length) || null
}

/** The engine in words: "OpenCV", "llama.cpp", "remote vllm-a", or what the worker said. */
export function engineLabel(engine: string | null | undefined): string {
  if (!engine) return ''
  const remote = remoteName(engine)
  if (remote) return `remote ${remote}`
  if (engine === 'opencv') return 'OpenCV'
  if (engine === 'llama') return 'llama.cpp'
  return engine
}

/** Served by llama.cpp or a remote server, or of a generating kind: show its LLM figures. */
export function isLanguageModel(d: ModelDetails | undefined, figures: GenerationFigures | undefined): boolean {
  if (figures) return true
  if (!d) return false
  return d.engine === 'llama' || remoteName(d.engine) !== null || GENERATING_KINDS.has(d.kind ?? '')
}

/** 1_100_000_000 -> "1.1B", 350_000_000 -> "350M", 12_000 -> "12K". */
export function formatParameters(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—'
  const steps: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ]
  for (const [size, unit] of steps) {
    if (n >= size) {
      const v = n / size
      return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))}${unit}`
    }
  }
  return String(Math.round(n))
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return Math.round(n).toLocaleString('en-US')
}

export function formatTokensPerSecond(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return `${n >= 100 ? Math.round(n) : n.toFixed(1)} tok/s`
}

export interface KvCacheUse {
  used: number
  capacity: number
  /** 0-100, for the bar. */
  percent: number
}

/** Both figures known and a capacity above 0; otherwise there is nothing to draw. */
export function kvCacheUse(kv: GenerationFigures['kvCache'] | undefined): KvCacheUse | null {
  if (!kv || kv.usedCells == null || kv.capacityCells == null) return null
  if (!Number.isFinite(kv.usedCells) || !Number.isFinite(kv.capacityCells) || kv.capacityCells <= 0) return null
  const used = Math.max(0, kv.usedCells)
  return { used, capacity: kv.capacityCells, percent: Math.min(100, (used / kv.capacityCells) * 100) }
}

/** The worker's health entry for a remote engine, when its /health lists it. */
export function remoteHealth(remotes: RemoteEngineHealth[] | null | undefined, name: string | null): RemoteEngineHealth | null {
  if (!name || !Array.isArray(remotes)) return null
  return remotes.find((r) => r && r.name === name) ?? null
}
