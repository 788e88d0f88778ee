// Where the tokens live: the access token only in memory (gone after a reload, so
// a stolen tab snapshot or an injected script finds nothing stored), the refresh
// token only in an HttpOnly, Secure, SameSite=Strict cookie that the auth service
// sets for the path /api/auth/refresh: no script of the page can read it, and the
// browser sends it to that one route alone.
const LEGACY_REFRESH_KEY = 'lp.refresh_token'

let accessToken: string | null = null

export interface TokenClaims {
  sub: string
  org: string
  org_type: 'enterprise' | 'agency' | 'working_group' | 'operator'
  name?: string
  fv?: boolean
  mcp?: boolean
  exp?: number
}

// Earlier versions kept the refresh token in sessionStorage: drop what a tab may still hold.
try {
  sessionStorage.removeItem(LEGACY_REFRESH_KEY)
} catch {
  // storage unavailable (private mode): nothing was stored either
}

export function getAccessToken(): string | null {
  return accessToken
}

export function storeTokens(access: string): void {
  accessToken = access
}

export function clearTokens(): void {
  accessToken = null
}

/** Reads the claims of a JWT without verifying it: the server verifies; the
 * portal only needs them to choose menus before /me answers. */
export function decodeClaims(token: string | null): TokenClaims | null {
  if (!token) return null
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4)
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes)) as TokenClaims
  } catch {
    return null
  }
}
