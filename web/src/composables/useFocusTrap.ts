// Keeps keyboard focus inside a dialog while it is open, closes it on Escape, and gives
// focus back to whatever had it before the dialog opened.
import { nextTick, onBeforeUnmount, watch, type Ref } from 'vue'

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

// Dialogs can stack (a confirmation over a panel): only the top one handles keys.
const stack: symbol[] = []

export function useFocusTrap(container: Ref<HTMLElement | null>, active: Ref<boolean>, onEscape: () => void) {
  let previous: HTMLElement | null = null
  const id = Symbol('focus-trap')

  function focusables(): HTMLElement[] {
    const el = container.value
    if (!el) return []
    return Array.from(el.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((e) => !e.hasAttribute('disabled'))
  }

  function onKeydown(e: KeyboardEvent) {
    if (!active.value || stack[stack.length - 1] !== id) return
    if (e.key === 'Escape') {
      e.stopPropagation()
      onEscape()
      return
    }
    if (e.key !== 'Tab') return
    const list = focusables()
    if (list.length === 0) {
      e.preventDefault()
      container.value?.focus()
      return
    }
    const first = list[0]
    const last = list[list.length - 1]
    const current = document.activeElement as HTMLElement | null
    const inside = !!current && !!container.value?.contains(current)
    if (e.shiftKey && (current === first || !inside)) {
      e.preventDefault()
      last.focus()
    } else if (!e.shiftKey && (current === last || !inside)) {
      e.preventDefault()
      first.focus()
    }
  }

  async function activate() {
    previous = document.activeElement as HTMLElement | null
    if (!stack.includes(id)) stack.push(id)
    document.addEventListener('keydown', onKeydown, true)
    await nextTick()
    const el = container.value
    if (!el) return
    const preferred = el.querySelector<HTMLElement>('[autofocus]') ?? focusables()[0] ?? el
    preferred.focus()
  }

  function deactivate() {
    document.removeEventListener('keydown', onKeydown, true)
    const at = stack.indexOf(id)
    if (at >= 0) stack.splice(at, 1)
    if (previous && document.contains(previous)) previous.focus()
    previous = null
  }

  watch(
    active,
    (on) => {
      if (on) void activate()
      else deactivate()
    },
    { immediate: true },
  )
  onBeforeUnmount(deactivate)
}
