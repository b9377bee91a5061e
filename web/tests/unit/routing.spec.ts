import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { defineComponent, h } from 'vue'
import { installGuards, routes } from '@/router'
import { LEGACY_ROUTE_STORAGE_KEY } from '@/config/ui-settings'
import { FakeApi } from '../helpers/fakeApi'
import { setupPinia } from '../helpers/mountWith'
import type { UserRole } from '@/types'

const Root = defineComponent({ render: () => h(RouterView) })

describe('routes', () => {
  let w: VueWrapper | null = null
  beforeEach(() => {
    new FakeApi()
      .on('GET /api/npu/load-balancing', { strategy: 'round-robin', modelAffinity: {}, fallback: 'none', maxRetries: 0, queueTimeoutMs: 1000 })
      .on('GET /api/audit', { entries: [], total: 0, page: 1, per_page: 20 })
      .install()
  })
  afterEach(async () => {
    await flushPromises()
    w?.unmount()
    w = null
  })

  async function go(path: string, role: UserRole | null = 'admin') {
    const pinia = setupPinia(role ?? 'admin')
    if (role === null) {
      const { useAuthStore } = await import('@/stores/auth')
      const auth = useAuthStore()
      auth.me = null
      auth.token = null
    }
    const router = createRouter({ history: createMemoryHistory(), routes })
    installGuards(router)
    w = mount(Root, { global: { plugins: [pinia, router] }, attachTo: document.body })
    await router.push(path)
    await flushPromises()
    await router.isReady()
    await flushPromises()
    return router
  }

  it('opens the NPU Workers tab by default', async () => {
    const router = await go('/')
    expect(router.currentRoute.value.fullPath).toBe('/fleet/npu')
  })

  it('redirects the legacy settings route to the NPU tab and shows the notice on arrival', async () => {
    const router = await go('/settings/admin/npu-workers')
    expect(router.currentRoute.value.path).toBe('/fleet/npu')
    expect(w!.find('[data-test="moved-notice"]').exists()).toBe(true)
  })

  it('keeps the deprecated page with its banner when the setting says banner', async () => {
    localStorage.setItem(LEGACY_ROUTE_STORAGE_KEY, 'banner')
    const router = await go('/settings/admin/npu-workers')
    expect(router.currentRoute.value.path).toBe('/settings/admin/npu-workers')
    const banner = w!.get('[data-test="deprecation-banner"]')
    expect(banner.text()).toContain('Deprecated')
    expect(banner.get('a').attributes('href')).toBe('/fleet/npu?moved=npu-workers')
  })

  it('sends signed-out users to the login page, keeping where they were going', async () => {
    const router = await go('/fleet/nodes', null)
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/fleet/nodes')
  })

  it('shows tokens of the inference role nothing of the admin UI', async () => {
    const router = await go('/fleet/npu', 'inference')
    expect(router.currentRoute.value.name).toBe('no-access')
    expect(w!.find('[data-test="npu-tab"]').exists()).toBe(false)
  })

  it('hides admin actions from viewers on the NPU and Nodes tabs', async () => {
    const router = await go('/fleet/npu', 'viewer')
    expect(w!.find('[data-test="npu-tab"]').exists()).toBe(true)
    expect(w!.find('[data-test="assign-npu-role"]').exists()).toBe(false)
    expect(w!.find('[data-test="lb-save"]').exists()).toBe(false)
    await router.push('/fleet/nodes')
    await flushPromises()
    expect(w!.find('[data-test="nodes-tab"]').exists()).toBe(true)
    expect(w!.find('[data-test="add-node"]').exists()).toBe(false)
  })
})
