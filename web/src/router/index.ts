// Client routes. The server answers unknown paths with index.html (SPA fallback), so every
// route here also works as a deep link.
import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/fleet/npu' },
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  { path: '/no-access', name: 'no-access', component: () => import('@/views/NoAccessView.vue'), meta: { public: true } },
  {
    path: '/fleet',
    component: () => import('@/views/FleetOverview.vue'),
    children: [
      { path: '', redirect: '/fleet/npu' },
      { path: 'nodes', name: 'fleet-nodes', component: () => import('@/components/fleet/NodesTab.vue') },
      { path: 'tools', name: 'fleet-tools', component: () => import('@/components/fleet/FleetToolsTab.vue') },
      { path: 'npu', name: 'fleet-npu', component: () => import('@/components/npu/NPUWorkersTab.vue') },
    ],
  },
  {
    // Deprecated (seed, Phase 4): kept so old bookmarks land on the Fleet tab.
    path: '/settings/admin/npu-workers',
    name: 'legacy-npu-workers',
    component: () => import('@/views/NPUWorkersSettings.vue'),
  },
  { path: '/:pathMatch(.*)*', redirect: '/fleet/npu' },
]

export function installGuards(router: Router) {
  router.beforeEach(async (to) => {
    const auth = useAuthStore()
    if (to.meta.public) return true
    if (!auth.me && auth.token) await auth.restore()
    if (!auth.me) return { name: 'login', query: to.fullPath !== '/fleet/npu' ? { redirect: to.fullPath } : {} }
    if (!auth.hasAdminAccess) return { name: 'no-access' }
    return true
  })
}

export function createAppRouter(): Router {
  const router = createRouter({ history: createWebHistory('/'), routes })
  installGuards(router)
  return router
}
