// Where the tokens live: the access token only in memory (never readable after a
// reload, so a stolen tab snapshot is worth little), the refresh token in
// sessionStorage so a reload of the same tab can mint a new access token.
const REFRESH_KEY = 'lp.refresh_token'

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

export function getAccessToken(): string | null {
  return accessToken
}

export function getRefreshToken(): string | null {
  try {
    return sessionStorage.getItem(REFRESH_KEY)
  } catch {
    return null
  }
}

export function storeTokens(access: string, refresh?: string | null): void {
  accessToken = access
  if (refresh) sessionStorage.setItem(REFRESH_KEY, refresh)
}

export function clearTokens(): void {
  accessToken = null
  sessionStorage.removeItem(REFRESH_KEY)
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
