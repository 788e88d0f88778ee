import { describe, expect, it } from 'vitest'
import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios'
import { ApiError, cleanParams, toApiError } from './http'

function failed(status: number, data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders() }
  return new AxiosError('failed', 'ERR_BAD_RESPONSE', config as InternalAxiosRequestConfig, {}, {
    status,
    statusText: '',
    data,
    headers: {},
    config: config as InternalAxiosRequestConfig,
  })
}

describe('toApiError', () => {
  it('shows the service message of the error shape', async () => {
    const e = await toApiError(failed(409, { error: { code: 'declaration_not_editable', message: '当前不能修改', details: null } }))
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(409)
    expect(e.code).toBe('declaration_not_editable')
    expect(e.message).toBe('当前不能修改')
  })

  it('reads the error shape from a blob body (downloads)', async () => {
    const blob = new Blob([JSON.stringify({ error: { code: 'not_found', message: '证书不存在' } })], { type: 'application/json' })
    const e = await toApiError(failed(404, blob))
    expect(e.message).toBe('证书不存在')
  })

  it('falls back to a Chinese sentence when the body is not the error shape', async () => {
    expect((await toApiError(failed(502, '<html>Bad gateway</html>'))).message).toBe('服务暂时不可用，请稍后重试')
    expect((await toApiError(failed(413, null))).message).toContain('文件过大')
    expect((await toApiError(failed(500, null))).message).toBe('系统繁忙，请稍后重试')
  })

  it('names a network failure', async () => {
    const e = await toApiError(new AxiosError('Network Error', 'ERR_NETWORK'))
    expect(e.message).toContain('网络连接失败')
  })
})

describe('lists', () => {
  it('drops empty filters', () => {
    expect(cleanParams({ a: '', b: null, c: undefined, d: 0, e: 'x' })).toEqual({ d: 0, e: 'x' })
  })
})
