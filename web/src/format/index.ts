// Formatting of figures for display: bytes, percentages, durations, timestamps.

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`
}

/** Device memory as reported in GB: "24 GB", "23.5 GB", "0.5 GB". */
export function formatGb(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return `${Number.isInteger(n) || n >= 100 ? Math.round(n) : Number(n.toFixed(1))} GB`
}

export function formatPercent(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return `${Math.round(n)}%`
}

export function formatMs(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n >= 10 ? Math.round(n) : n.toFixed(1)} ms`
}

/** Accepts ISO strings, epoch milliseconds, or epoch seconds. */
export function toDate(t: string | number | null | undefined): Date | null {
  if (t === null || t === undefined || t === '') return null
  if (typeof t === 'number') return new Date(t < 1e12 ? t * 1000 : t)
  const d = new Date(t)
  return Number.isNaN(d.getTime()) ? null : d
}

export function formatTimestamp(t: string | number | null | undefined): string {
  const d = toDate(t)
  return d ? d.toLocaleString() : '—'
}

export function formatAgo(t: string | number | null | undefined, now = Date.now()): string {
  const d = toDate(t)
  if (!d) return 'never'
  const s = Math.max(0, Math.round((now - d.getTime()) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}

export function clampPercent(n: number | null | undefined): number {
  if (n === null || n === undefined || !Number.isFinite(n)) return 0
  return Math.min(100, Math.max(0, n))
}

/** A duration in words: "45 s", "3 min", "2 h", "4 d". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min`
  if (s < 86400) return `${Math.floor(s / 3600)} h`
  return `${Math.floor(s / 86400)} d`
}

/** "offline for 3 min: connection refused"; the parts that are not known are left out. */
export function statusPhrase(
  status: string,
  since: string | null | undefined,
  reason: string | null | undefined,
  now = Date.now(),
): string {
  const d = toDate(since)
  let out = d ? `${status} for ${formatDuration(now - d.getTime())}` : status
  if (reason && reason.trim()) out += `: ${reason.trim()}`
  return out
}

/** ISO-8601 in UTC without milliseconds: 2026-02-04T10:00:00Z. */
export function formatIso(t: string | number | null | undefined): string {
  const d = toDate(t)
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '—'
}

/** A rate as a percentage with one decimal: 0.0123 -> "1.2%". */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const p = n * 100
  return `${p === 0 ? 0 : p < 10 ? p.toFixed(1) : Math.round(p)}%`
}

export function formatPerSec(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return `${n >= 100 ? Math.round(n) : Number(n.toFixed(1))} /s`
}
