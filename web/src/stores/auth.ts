// Who is signed in: the bearer token (kept in localStorage so a reload keeps the session)
// and the role the server reports for it through GET /api/me.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, api, setApiToken, setUnauthorizedHandler } from '@/api/client'
import { roleAllows, type Action } from '@/constants/permissions'
import type { Me } from '@/types'

export const TOKEN_STORAGE_KEY = 'npufleet.token'

function readStoredToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_STORAGE_KEY)
  } catch {
    return null
  }
}

export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(readStoredToken())
  const me = ref<Me | null>(null)
  const checking = ref(false)
  const sessionExpired = ref(false)

  const role = computed(() => me.value?.role ?? null)
  const isAuthenticated = computed(() => !!token.value && !!me.value)
  /** Tokens of inference clients are valid but must see nothing of the admin UI. */
  const hasAdminAccess = computed(() => roleAllows(role.value, 'view'))

  setApiToken(token.value)
  setUnauthorizedHandler(() => {
    sessionExpired.value = true
    logout()
  })

  function can(action: Action): boolean {
    return roleAllows(role.value, action)
  }

  function persist(t: string | null) {
    try {
      if (t) localStorage.setItem(TOKEN_STORAGE_KEY, t)
      else localStorage.removeItem(TOKEN_STORAGE_KEY)
    } catch {
      // Private mode without storage: the session lasts until reload.
    }
  }

  /** Validates the token with the server; throws ApiError (401 for a bad token). */
  async function login(newToken: string): Promise<Me> {
    const t = newToken.trim()
    if (!t) throw new ApiError(400, 'invalid_token', 'Enter an access token')
    setApiToken(t)
    checking.value = true
    try {
      const who = await api.me()
      token.value = t
      me.value = who
      sessionExpired.value = false
      persist(t)
      return who
    } catch (e) {
      setApiToken(token.value)
      throw e
    } finally {
      checking.value = false
    }
  }

  /** Restores the session from a stored token; false when there is none or it is rejected. */
  async function restore(): Promise<boolean> {
    if (me.value) return true
    if (!token.value) return false
    checking.value = true
    try {
      me.value = await api.me()
      return true
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) logout()
      return false
    } finally {
      checking.value = false
    }
  }

  function logout() {
    token.value = null
    me.value = null
    setApiToken(null)
    persist(null)
  }

  return { token, me, role, checking, sessionExpired, isAuthenticated, hasAdminAccess, can, login, restore, logout }
})
