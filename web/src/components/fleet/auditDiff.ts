// What an audited change changed: before/after objects flattened to dotted paths,
// only the paths whose value differs.
export interface DiffRow {
  path: string
  before: string | null
  after: string | null
  kind: 'added' | 'removed' | 'changed'
}

function flatten(v: unknown, prefix: string, out: Map<string, string>) {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length === 0 && prefix) out.set(prefix, '{}')
    for (const [k, child] of entries) flatten(child, prefix ? `${prefix}.${k}` : k, out)
    return
  }
  if (v === undefined || (v === null && !prefix)) return // no object at all (a create or a delete)
  out.set(prefix || '(value)', typeof v === 'string' ? v : JSON.stringify(v))
}

export function auditDiff(before: unknown, after: unknown): DiffRow[] {
  const a = new Map<string, string>()
  const b = new Map<string, string>()
  flatten(before, '', a)
  flatten(after, '', b)
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort()
  const rows: DiffRow[] = []
  for (const p of paths) {
    const x = a.has(p) ? a.get(p)! : null
    const y = b.has(p) ? b.get(p)! : null
    if (x === y) continue
    rows.push({ path: p, before: x, after: y, kind: x === null ? 'added' : y === null ? 'removed' : 'changed' })
  }
  return rows
}

/** A datetime-local value ("2026-02-04T10:30") as ISO-8601 UTC, or undefined when empty/bad. */
export function localToIso(v: string): string | undefined {
  if (!v) return undefined
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
