import { beforeEach, describe, expect, it } from 'vitest'
import fixture from './offline.fixture.json'
import {
  KEYS_STORAGE,
  b64urlDecode,
  b64urlEncode,
  extractPayload,
  loadKeys,
  verifyOffline,
  type PublishedKey,
} from './offline'

// Signed by the certificate service's Python code (gmssl); regenerate with
// LP_WRITE_PORTAL_FIXTURE=1 uv run pytest services/certificate/tests/unit/test_offline.py -k portal
const keys = fixture.keys as PublishedKey[]

describe('offline QR verifier (sm-crypto) against signatures made by the service (gmssl)', () => {
  it('accepts every payload the service signed and gives back the signed fields', () => {
    for (const c of fixture.valid) {
      const verdict = verifyOffline(c.payload, keys)
      expect(verdict.ok, c.number).toBe(true)
      expect(verdict.code).toBe('offline_valid')
      expect(verdict.message).toBe('离线签名有效')
      expect(verdict.fields).toEqual({
        kind: c.kind,
        number: c.number,
        holder: c.holder,
        subject: c.subject,
        validUntil: c.valid_until,
      })
    }
  })

  it('still accepts a signature by a retired key', () => {
    const verdict = verifyOffline(fixture.retired_key.payload, keys)
    expect(verdict).toMatchObject({ ok: true, kid: fixture.retired_key.kid, keyStatus: 'retired' })
  })

  it('rejects an altered field, another key, a truncated payload, bad base64url and a later version', () => {
    for (const c of fixture.invalid) {
      expect(verifyOffline(c.payload, keys).code, c.payload).toBe(c.code)
    }
  })

  it('rejects each signed field altered here, one at a time', () => {
    const payload = extractPayload(fixture.valid[1].payload)
    const [version, kid, fields, signature] = payload.split('.')
    const lines = new TextDecoder().decode(b64urlDecode(fields)).split('\n')
    const edits: [number, string][] = [
      [1, 'LP-2023-JD01-00012-003'],
      [2, '青岛海川电冰箱股份有限公司'],
      [3, 'BCD-610WDGX'],
      [4, '20271231'],
    ]
    for (const [line, value] of edits) {
      const changed = [...lines]
      changed[line] = value
      const forged = `${version}.${kid}.${b64urlEncode(new TextEncoder().encode(changed.join('\n')))}.${signature}`
      expect(verifyOffline(forged, keys).code, value).toBe('offline_bad_signature')
    }
    // a flipped bit in the signature itself
    const sig = b64urlDecode(signature)
    sig[5] ^= 1
    expect(verifyOffline(`${version}.${kid}.${fields}.${b64urlEncode(sig)}`, keys).code).toBe('offline_bad_signature')
  })

  it('names an unknown key when the keys do not list the kid', () => {
    expect(verifyOffline(fixture.valid[0].payload, []).code).toBe('offline_unknown_key')
  })

  it('takes a whole URL, a fragment or the bare payload, also percent-encoded', () => {
    const bare = extractPayload(fixture.valid[0].payload)
    expect(extractPayload(`#${bare}`)).toBe(bare)
    expect(extractPayload(`  ${bare}\n`)).toBe(bare)
    expect(verifyOffline(encodeURIComponent(`#${bare}`), keys).ok).toBe(true)
    expect(verifyOffline('', keys).code).toBe('offline_malformed')
    expect(verifyOffline('https://lp.example.cn/verify/abc', keys).code).toBe('offline_malformed')
  })
})

describe('published keys', () => {
  beforeEach(() => localStorage.clear())

  it('are stored when fetched and served from the store when the network is down', async () => {
    const asked: RequestInit[] = []
    const online = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      asked.push(init ?? {})
      return new Response(JSON.stringify({ keys }), { status: 200 })
    }) as typeof fetch
    const first = await loadKeys(online)
    // revalidated, never answered from the HTTP cache: offline, the stored copy is used and says so
    expect(asked[0].cache).toBe('no-cache')
    expect(first).toMatchObject({ fromCache: false, keys })
    expect(JSON.parse(localStorage.getItem(KEYS_STORAGE)!).keys).toEqual(keys)

    const offline = (async () => {
      throw new TypeError('Failed to fetch')
    }) as typeof fetch
    const second = await loadKeys(offline)
    expect(second).toMatchObject({ fromCache: true, keys })
    expect(verifyOffline(fixture.valid[0].payload, second!.keys).ok).toBe(true)
  })

  it('are null with neither the network nor a stored copy', async () => {
    const down = (async () => new Response('', { status: 503 })) as typeof fetch
    expect(await loadKeys(down)).toBeNull()
  })
})
