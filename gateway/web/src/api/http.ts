import axios, { AxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios'
import { clearTokens, getAccessToken, storeTokens } from './session'

/** Every failure the portal shows: `message` is always a Chinese sentence for people. */
export class ApiError extends Error {
  status: number
  code: string
  details: unknown
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

const FALLBACK_BY_STATUS: Record<number, string> = {
  400: '请求内容有误，请检查后重试',
  401: '登录已失效，请重新登录',
  403: '您没有权限执行此操作',
  404: '请求的内容不存在或已被删除',
  409: '当前状态不允许此操作，请刷新后重试',
  413: '文件过大，请压缩后重新上传',
  415: '文件格式不受支持',
  422: '填写的内容不符合要求，请检查后重试',
  429: '操作过于频繁，请稍后再试',
  502: '服务暂时不可用，请稍后重试',
  503: '服务暂时不可用，请稍后重试',
  504: '服务响应超时，请稍后重试',
}

async function bodyOf(response: AxiosResponse | undefined): Promise<unknown> {
  const data = response?.data
  if (data instanceof Blob) {
    try {
      return JSON.parse(await data.text())
    } catch {
      return null
    }
  }
  return data
}

/** The platform's error body: `{"error": {"code", "message", "details"}}`. */
interface ErrorShape {
  code?: unknown
  message?: unknown
  details?: unknown
}

export async function toApiError(err: unknown): Promise<ApiError> {
  if (err instanceof ApiError) return err
  if (axios.isAxiosError(err)) {
    const e = err as AxiosError
    if (!e.response) {
      if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') {
        return new ApiError(0, 'timeout', '请求超时，请检查网络后重试')
      }
      return new ApiError(0, 'network', '网络连接失败，请检查网络后重试')
    }
    const status = e.response.status
    const body = await bodyOf(e.response)
    const shaped = body && typeof body === 'object' && 'error' in body ? (body.error as ErrorShape | null) : null
    if (shaped && typeof shaped.message === 'string') {
      return new ApiError(status, typeof shaped.code === 'string' ? shaped.code : 'error', shaped.message, shaped.details)
    }
    const fallback = FALLBACK_BY_STATUS[status] ?? (status >= 500 ? '系统繁忙，请稍后重试' : '操作失败，请稍后重试')
    return new ApiError(status, 'http_' + status, fallback)
  }
  return new ApiError(0, 'client', '操作失败，请刷新页面后重试')
}

export const http = axios.create({ timeout: 60000 })

http.interceptors.request.use((config) => {
  const token = getAccessToken()
  if (token && !config.headers.Authorization) config.headers.Authorization = `Bearer ${token}`
  return config
})

// One refresh at a time: parallel 401s wait for the same refresh instead of
// each spending the (single-use, rotating) refresh token.
let refreshing: Promise<boolean> | null = null
let onSessionLost: () => void = () => {}

export function setSessionLostHandler(fn: () => void): void {
  onSessionLost = fn
}

export async function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    // No body: the browser sends the HttpOnly refresh cookie (path /api/auth/refresh), and the answer
    // sets the rotated one. The refresh token in the JSON answer is for API clients; it is not kept.
    refreshing = axios
      .post<{ access_token: string }>('/api/auth/refresh', undefined, { timeout: 20000, withCredentials: true })
      .then((r) => {
        storeTokens(r.data.access_token)
        return true
      })
      .catch(() => {
        clearTokens()
        return false
      })
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

const NO_RETRY = ['/api/auth/login', '/api/auth/refresh', '/api/auth/logout']

http.interceptors.response.use(
  (r) => r,
  async (err) => {
    const config = err?.config as (AxiosRequestConfig & { _retried?: boolean }) | undefined
    if (
      axios.isAxiosError(err) &&
      err.response?.status === 401 &&
      config &&
      !config._retried &&
      !NO_RETRY.some((u) => config.url?.startsWith(u))
    ) {
      config._retried = true
      if (await refreshSession()) {
        if (config.headers) delete (config.headers as Record<string, unknown>).Authorization
        return http.request(config)
      }
      onSessionLost()
    }
    throw await toApiError(err)
  },
)

/** Every list route answers one shape (kit.paging.Page): the rows of one page and the count of all. */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

/** Drops empty filter values so the query string carries only what was chosen. */
export function cleanParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params)) {
    if (v !== '' && v !== null && v !== undefined) out[k] = v
  }
  return out
}

export type Progress = (percent: number) => void

export function uploadConfig(onProgress?: Progress): AxiosRequestConfig {
  return {
    timeout: 0,
    onUploadProgress: (e) => {
      if (onProgress && e.total) onProgress(Math.round((e.loaded / e.total) * 100))
    },
  }
}

/** Fetches a protected file with the token and hands it to the browser as a download. */
export async function downloadFile(url: string, fallbackName: string, params?: Record<string, unknown>): Promise<void> {
  const r = await http.get(url, { params, responseType: 'blob' })
  const blob = r.data as Blob
  // Some services answer with a short-lived presigned link instead of the bytes.
  if (blob.type.includes('application/json')) {
    const body = JSON.parse(await blob.text()) as { url?: string; download_url?: string }
    const link = body.url ?? body.download_url
    if (link) {
      const a = document.createElement('a')
      a.href = link
      a.download = fallbackName
      a.rel = 'noopener'
      document.body.appendChild(a)
      a.click()
      a.remove()
      return
    }
  }
  const disposition: string = r.headers['content-disposition'] ?? ''
  const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition)
  const name = match ? decodeURIComponent(match[1] ?? match[2]) : fallbackName
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10000)
}
