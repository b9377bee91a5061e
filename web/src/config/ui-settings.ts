// Settings of the UI itself (not of the fleet). The legacy-route mode comes from the build
// (VITE_LEGACY_NPU_ROUTE) and can be overridden per browser in localStorage, so an operator
// can keep the old page visible with its banner during the deprecation period.

export type LegacyRouteMode = 'redirect' | 'banner'

export const LEGACY_ROUTE_STORAGE_KEY = 'npufleet.legacyNpuRoute'

function parseMode(v: unknown): LegacyRouteMode | null {
  return v === 'redirect' || v === 'banner' ? v : null
}

export function legacyNpuRouteMode(): LegacyRouteMode {
  let stored: string | null = null
  try {
    stored = localStorage.getItem(LEGACY_ROUTE_STORAGE_KEY)
  } catch {
    stored = null
  }
  return parseMode(stored) ?? parseMode(import.meta.env.VITE_LEGACY_NPU_ROUTE) ?? 'redirect'
}
