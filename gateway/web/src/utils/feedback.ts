import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError } from '@/api/http'

/** Shows what went wrong in the words the service chose (its `message`). */
export function showError(err: unknown): void {
  const message = err instanceof ApiError ? err.message : '操作失败，请稍后重试'
  ElMessage({ type: 'error', message, grouping: true, duration: 4000 })
}

export function showOk(message: string): void {
  ElMessage({ type: 'success', message, grouping: true })
}

export async function confirmAction(message: string, title = '操作确认'): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { confirmButtonText: '确定', cancelButtonText: '取消', type: 'warning' })
    return true
  } catch {
    return false
  }
}

/** Runs an API call, shows its error, and tells the caller whether it worked. */
export async function attempt<T>(fn: () => Promise<T>, okMessage?: string): Promise<T | undefined> {
  try {
    const result = await fn()
    if (okMessage) showOk(okMessage)
    return result
  } catch (err) {
    showError(err)
    return undefined
  }
}
