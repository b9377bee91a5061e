// Vitest setup: a canvas for chart.js under jsdom, a ResizeObserver stub, clean storage.
import 'vitest-canvas-mock'
import { afterEach, vi } from 'vitest'

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
vi.stubGlobal('ResizeObserver', ResizeObserverStub)

afterEach(() => {
  localStorage.clear()
  document.body.innerHTML = ''
})
