// Mounts a component with a fresh Pinia whose auth store holds a user of the given role.
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { useAuthStore } from '@/stores/auth'
import type { UserRole } from '@/types'

export function setupPinia(role: UserRole = 'admin') {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.token = 'test-token'
  auth.me = { name: `${role}-user`, role }
  return pinia
}

export function mountWith<C extends Component>(component: C, options: ComponentMountingOptions<C> & { role?: UserRole } = {}) {
  const { role, ...rest } = options
  const pinia = setupPinia(role ?? 'admin')
  return mount(component, {
    attachTo: document.body,
    ...rest,
    global: { ...(rest.global ?? {}), plugins: [pinia, ...((rest.global?.plugins as []) ?? [])] },
  } as ComponentMountingOptions<C>)
}
