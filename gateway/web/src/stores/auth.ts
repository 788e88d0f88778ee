import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi, type Me, type TokenPair } from '@/api/auth'
import { refreshSession } from '@/api/http'
import { clearTokens, decodeClaims, getAccessToken, storeTokens, type TokenClaims } from '@/api/session'

export type OrgType = TokenClaims['org_type']

export const useAuthStore = defineStore('auth', () => {
  const claims = ref<TokenClaims | null>(decodeClaims(getAccessToken()))
  const me = ref<Me | null>(null)
  // Set after login when the forerunner check should run once for this session.
  const pendingForerunnerCheck = ref(false)

  // The "not yet eligible" answer of the forerunner check is shown once per browser session and account,
  // not at every login (sessionStorage ends with the tab).
  const CHECK_SHOWN = 'lp.forerunnerCheckShown'
  function forerunnerCheckShown(): boolean {
    try {
      return Boolean(claims.value?.sub) && sessionStorage.getItem(CHECK_SHOWN) === claims.value?.sub
    } catch {
      return false
    }
  }
  function markForerunnerCheckShown() {
    try {
      if (claims.value?.sub) sessionStorage.setItem(CHECK_SHOWN, claims.value.sub)
    } catch {
      // storage refused (private mode): the check may show again, nothing breaks
    }
  }

  const loggedIn = computed(() => claims.value !== null)
  const orgType = computed<OrgType | null>(() => claims.value?.org_type ?? null)
  const verified = computed(() => Boolean(me.value?.forerunner_verified ?? claims.value?.fv))
  const mustChangePassword = computed(() => Boolean(me.value?.must_change_password ?? claims.value?.mcp))
  const displayName = computed(
    () => me.value?.organisation?.name ?? claims.value?.name ?? me.value?.account?.login_name ?? '',
  )

  // Only the access token is kept (in memory); the refresh token travels in its HttpOnly cookie.
  function adopt(pair: Pick<TokenPair, 'access_token'>) {
    storeTokens(pair.access_token)
    claims.value = decodeClaims(pair.access_token)
  }

  async function loadMe() {
    me.value = await authApi.me()
  }

  async function login(loginName: string, password: string) {
    const pair = await authApi.login(loginName, password)
    adopt(pair)
    if (pair.must_change_password !== undefined && claims.value) claims.value.mcp = pair.must_change_password
    await loadMe()
    pendingForerunnerCheck.value =
      orgType.value === 'enterprise' && !verified.value && !mustChangePassword.value && !forerunnerCheckShown()
  }

  /** After a reload only the refresh cookie survives; trade it for a new access token (once per page load:
   * without a cookie the answer is 401 and public pages need not ask again). */
  let restoreTried = false
  async function restore(): Promise<boolean> {
    if (getAccessToken()) {
      if (!claims.value) claims.value = decodeClaims(getAccessToken())
      if (!me.value) await loadMe().catch(() => undefined)
      return true
    }
    if (restoreTried) return false
    restoreTried = true
    if (!(await refreshSession())) {
      claims.value = null
      return false
    }
    claims.value = decodeClaims(getAccessToken())
    await loadMe().catch(() => undefined)
    return claims.value !== null
  }

  async function logout() {
    try {
      if (getAccessToken()) await authApi.logout()
    } catch {
      // The session ends on this side whatever the server answered.
    }
    forget()
  }

  function forget() {
    clearTokens()
    claims.value = null
    me.value = null
    pendingForerunnerCheck.value = false
  }

  async function passwordChanged(answer: Partial<TokenPair> | undefined) {
    // Changing the password revokes every session; the service may hand back a
    // fresh pair, otherwise the person logs in again with the new password.
    if (answer?.access_token) {
      adopt(answer as TokenPair)
      await loadMe()
      pendingForerunnerCheck.value = orgType.value === 'enterprise' && !verified.value && !forerunnerCheckShown()
      return true
    }
    forget()
    return false
  }

  async function verifiedWith(pair: TokenPair) {
    adopt(pair)
    await loadMe()
  }

  return {
    claims,
    me,
    loggedIn,
    orgType,
    verified,
    mustChangePassword,
    displayName,
    pendingForerunnerCheck,
    markForerunnerCheckShown,
    login,
    loadMe,
    restore,
    logout,
    forget,
    passwordChanged,
    verifiedWith,
  }
})
