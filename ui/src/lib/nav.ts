/**
 * Navigation between the app's screens: a stack of routes, in memory (the app has no URLs to share).
 */
import { computed, ref } from 'vue'

export type Route =
  | { name: 'officers' }
  | { name: 'home' }
  | { name: 'new-inspection' }
  | { name: 'inspection'; id: string }
  | { name: 'evidence'; id: string }
  | { name: 'present' }
  | { name: 'verify'; id: string | null }
  | { name: 'sync' }
  | { name: 'signature'; id: string }
  | { name: 'amend'; id: string }
  | { name: 'timeline'; id: string }
  | { name: 'enrol' }
  | { name: 'registration' }

/** A navigation stack; the first route is the root. */
export function createNav(root: Route) {
  const stack = ref<Route[]>([root])
  const current = computed<Route>(() => stack.value[stack.value.length - 1] ?? root)
  return {
    stack,
    current,
    /** Opens `route` on top of the current one. */
    push(route: Route): void {
      stack.value = [...stack.value, route]
    },
    /** Replaces the current route. */
    replace(route: Route): void {
      stack.value = [...stack.value.slice(0, -1), route]
    },
    /** Goes back one screen; never past the root. */
    back(): void {
      if (stack.value.length > 1) stack.value = stack.value.slice(0, -1)
    },
    /** Starts again from `route`. */
    reset(route: Route): void {
      stack.value = [route]
    },
    canGoBack: computed(() => stack.value.length > 1),
  }
}

export type Nav = ReturnType<typeof createNav>

/** The app's one navigator: the officer selection screen first. */
export const nav = createNav({ name: 'officers' })
