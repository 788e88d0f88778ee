import { beforeEach, describe, expect, it, vi } from 'vitest'

describe('where tokens live', () => {
  beforeEach(() => {
    vi.resetModules()
    sessionStorage.clear()
    localStorage.clear()
  })

  it('keeps the access token in memory only and nothing in web storage', async () => {
    const session = await import('./session')
    session.storeTokens('access.jwt.value')
    expect(session.getAccessToken()).toBe('access.jwt.value')
    expect(sessionStorage.length).toBe(0)
    expect(localStorage.length).toBe(0)
    expect(document.cookie).toBe('')
    session.clearTokens()
    expect(session.getAccessToken()).toBeNull()
  })

  it('drops a refresh token an earlier version left in sessionStorage', async () => {
    sessionStorage.setItem('lp.refresh_token', 'old-refresh-token')
    await import('./session')
    expect(sessionStorage.getItem('lp.refresh_token')).toBeNull()
  })

  it('the auth store does not keep the refresh token of a login answer', async () => {
    const { createPinia, setActivePinia } = await import('pinia')
    setActivePinia(createPinia())
    const { http } = await import('./http')
    const claims = btoa(JSON.stringify({ sub: 'a', org: 'o', org_type: 'enterprise', exp: 9999999999 }))
    vi.spyOn(http, 'post').mockResolvedValue({
      data: { access_token: `h.${claims}.s`, refresh_token: 'refresh-in-json', token_type: 'bearer', expires_in: 900 },
    })
    vi.spyOn(http, 'get').mockResolvedValue({ data: { forerunner_verified: false, must_change_password: false } })
    const { useAuthStore } = await import('@/stores/auth')
    await useAuthStore().login('91110108MA01C2Q57B', 'secret')
    const everything = JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie
    expect(everything).not.toContain('refresh-in-json')
    const { getAccessToken } = await import('./session')
    expect(getAccessToken()).toBe(`h.${claims}.s`)
  })
})
