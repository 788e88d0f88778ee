import { afterEach, describe, expect, it, vi } from 'vitest'
import { del, get, hrefOf, post, urlOf } from './client'
import { http } from './http'

afterEach(() => vi.restoreAllMocks())

describe('typed calls', () => {
  it('fill path parameters, URL-encoded', () => {
    expect(urlOf('/api/certificates/verify/{code}', { code: 'LP 2026/01' })).toBe('/api/certificates/verify/LP%202026%2F01')
    expect(hrefOf('/api/benchmark/products/{product_id}/plan-template', { path: { product_id: 'p1' } })).toBe(
      '/api/benchmark/products/p1/plan-template',
    )
    expect(() => urlOf('/api/declarations/{declaration_id}')).toThrow('declaration_id')
  })

  it('send the query without empty filters and hand back the body', async () => {
    const page = { items: [], total: 0, page: 1, page_size: 10, total_exact: true }
    const spy = vi.spyOn(http, 'get').mockResolvedValue({ data: page })
    const answer = await get('/api/declarations', { query: { year: 2026, list_status: '', standard_no: null, page: 1 } })
    expect(answer).toEqual(page)
    expect(spy).toHaveBeenCalledWith('/api/declarations', { params: { year: 2026, page: 1 } })
  })

  it('send the body of a post and the path of a delete', async () => {
    const posted = vi.spyOn(http, 'post').mockResolvedValue({ data: { id: 'r1', status: 'cancelled', status_label: '已撤销' } })
    const deleted = vi.spyOn(http, 'delete').mockResolvedValue({ data: undefined })
    const answer = await post('/api/auth/recovery-requests/cancel', { code: '123456' })
    expect(answer.status_label).toBe('已撤销')
    expect(posted).toHaveBeenCalledWith('/api/auth/recovery-requests/cancel', { code: '123456' }, {})
    await del('/api/declarations/{declaration_id}/evidence/{file_id}', { path: { declaration_id: 'd1', file_id: 'f/1' } })
    expect(deleted).toHaveBeenCalledWith('/api/declarations/d1/evidence/f%2F1', {})
  })

  it('are checked against the services’ documents when the portal is built', () => {
    // vue-tsc fails the build on each of these: an unknown route, a missing path parameter, a wrong body.
    const typeOnly = () => {
      // @ts-expect-error no such route
      void get('/api/declarations/nowhere')
      // @ts-expect-error the route names its declaration
      void get('/api/declarations/{declaration_id}')
      // @ts-expect-error the body is {code}
      void post('/api/auth/recovery-requests/cancel', { sms: '1' })
    }
    expect(typeof typeOnly).toBe('function')
  })
})
