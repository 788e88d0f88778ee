import { reactive, ref } from 'vue'
import type { Page } from '@/api/http'
import { showError } from '@/utils/feedback'

/** A list page's state: filters, page, rows, total, and the load that ties them. */
export function usePaged<T, F extends Record<string, unknown>>(
  fetch: (params: Record<string, unknown>) => Promise<Page<T>>,
  initial: F,
  pageSize = 10,
) {
  const filters = reactive({ ...initial }) as F
  const rows = ref<T[]>([]) as { value: T[] }
  const total = ref(0)
  const page = ref(1)
  const size = ref(pageSize)
  const loading = ref(false)

  async function load() {
    loading.value = true
    try {
      const result = await fetch({ ...filters, page: page.value, page_size: size.value })
      rows.value = result.items
      total.value = result.total
    } catch (err) {
      showError(err)
    } finally {
      loading.value = false
    }
  }

  function search() {
    page.value = 1
    return load()
  }

  function reset() {
    Object.assign(filters, initial)
    return search()
  }

  /** 序号 that keeps counting across pages. */
  function indexOf(i: number) {
    return (page.value - 1) * size.value + i + 1
  }

  return { filters, rows, total, page, size, loading, load, search, reset, indexOf }
}
