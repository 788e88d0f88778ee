// Offline check of a certificate's or label's QR code: the fields signed with SM2/SM3 in the fragment of
// its verify URL, `#v1.<kid>.<fields>.<signature>`, checked in the browser with the platform's published
// public keys (GET /api/certificates/keys, kept in localStorage so the check works without the network
// once the keys were fetched). The format and canonical form are defined in the certificate service
// (certificate/offline/payload.py); this is the same check, step by step.
import { sm2 } from 'sm-crypto'
import type { components } from '@/api/generated/certificate'

export type PublishedKey = components['schemas']['OfflineKeyOut']
export type OfflineKeys = components['schemas']['OfflineKeysOut']

export type DocumentKind = 'C' | 'L' | 'S'
export type VerdictCode =
  | 'offline_valid'
  | 'offline_malformed'
  | 'offline_unsupported_version'
  | 'offline_unknown_key'
  | 'offline_bad_signature'

export interface SignedFields {
  kind: DocumentKind
  number: string
  holder: string
  subject: string
  validUntil: string | null // YYYY-MM-DD
}

export interface OfflineVerdict {
  ok: boolean
  code: VerdictCode
  message: string
  kid?: string
  keyStatus?: PublishedKey['status']
  fields?: SignedFields
}

export const VERSION = 'v1'
export const MAX_TEXT = 24
export const MAX_NUMBER = 48
// GB/T 32918.2's default distinguishing identifier, the one the service signs with (gmssl).
export const USER_ID = '1234567812345678'

export const KIND_LABELS: Record<DocumentKind, string> = {
  C: '企业标准“领跑者”证书',
  L: '领跑者标识',
  S: '星级产品标识',
}
export const SUBJECT_LABELS: Record<DocumentKind, string> = { C: '企业标准号', L: '规格型号', S: '规格型号' }

export const VERDICT_MESSAGES: Record<VerdictCode, string> = {
  offline_valid: '离线签名有效',
  offline_malformed: '二维码内容不完整或格式不正确，无法离线核验',
  offline_unsupported_version: '二维码签名版本不受支持',
  offline_unknown_key: '签名密钥不是平台公布的密钥，不能确认由平台签发',
  offline_bad_signature: '签名与内容不符：二维码内容被改动或并非平台签发',
}

class PayloadError extends Error {
  constructor(public code: VerdictCode = 'offline_malformed') {
    super(code)
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/
const KID = /^[0-9a-f]{8}$/
// Python's str.split() whitespace (the service normalises with it): not JavaScript's \s, which adds U+FEFF.
const WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu
const CONTROL = /\p{Cc}/gu

export function normaliseText(value: string): string {
  return value.normalize('NFC').replace(CONTROL, ' ').replace(WHITESPACE, ' ').trim()
}

function cut(value: string): string {
  const chars = [...normaliseText(value)]
  return chars.length <= MAX_TEXT ? chars.join('') : chars.slice(0, MAX_TEXT - 1).join('').trimEnd() + '…'
}

export function b64urlEncode(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function b64urlDecode(text: string): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) throw new PayloadError()
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4))
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  if (b64urlEncode(bytes) !== text) throw new PayloadError() // stray bits: another spelling of the bytes
  return bytes
}

function isDate(yyyymmdd: string): string | null {
  if (!/^\d{8}$/.test(yyyymmdd)) return null
  const [y, m, d] = [+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6), +yyyymmdd.slice(6)]
  const day = new Date(Date.UTC(2000, m - 1, d))
  day.setUTCFullYear(y)
  if (y < 1 || day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return null
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6)}`
}

/** The signed fields of a canonical form; anything else is malformed (one document, one encoding). */
export function fieldsFromCanonical(bytes: Uint8Array): SignedFields {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new PayloadError()
  }
  const parts = text.split('\n')
  if (parts.length !== 5) throw new PayloadError()
  const [kind, number, holder, subject, until] = parts
  if (kind !== 'C' && kind !== 'L' && kind !== 'S') throw new PayloadError()
  if (!number || number !== normaliseText(number) || [...number].length > MAX_NUMBER) throw new PayloadError()
  for (const value of [holder, subject]) {
    if (!value || value !== normaliseText(value) || value !== cut(value)) throw new PayloadError()
  }
  const validUntil = until ? isDate(until) : null
  if (until && !validUntil) throw new PayloadError()
  return { kind, number, holder, subject, validUntil }
}

/** What a scanner read: the whole QR URL (its fragment is the payload) or the payload itself. */
export function extractPayload(scanned: string): string {
  let text = scanned.trim()
  try {
    // a browser or a scanner app may hand the text over percent-encoded
    text = decodeURIComponent(text)
  } catch {
    /* keep it as it is: the checks call it malformed */
  }
  const hash = text.indexOf('#')
  if (hash >= 0) text = text.slice(hash + 1)
  return text.trim()
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Check a scanned QR payload against the published keys, with no network.
 * The same verdicts as the service's `certificate.offline.verify`.
 */
export function verifyOffline(scanned: string, keys: PublishedKey[]): OfflineVerdict {
  const fail = (code: VerdictCode, extra: Partial<OfflineVerdict> = {}): OfflineVerdict => ({
    ok: false,
    code,
    message: VERDICT_MESSAGES[code],
    ...extra,
  })
  let kid: string, fieldsB64: string, fields: SignedFields, signature: Uint8Array
  try {
    const parts = extractPayload(scanned).split('.')
    if (parts[0] !== VERSION && /^v\d+$/.test(parts[0])) throw new PayloadError('offline_unsupported_version')
    if (parts.length !== 4 || parts[0] !== VERSION) throw new PayloadError()
    ;[, kid, fieldsB64] = parts
    if (!KID.test(kid)) throw new PayloadError()
    fields = fieldsFromCanonical(b64urlDecode(fieldsB64))
    signature = b64urlDecode(parts[3])
    if (signature.length !== 64) throw new PayloadError()
  } catch (err) {
    if (err instanceof PayloadError) return fail(err.code)
    throw err
  }
  const key = keys.find((k) => k.kid === kid)
  if (!key || key.algorithm !== 'SM2-SM3' || !/^04[0-9a-fA-F]{128}$/.test(key.public_key)) {
    return fail('offline_unknown_key', { kid })
  }
  let valid = false
  try {
    valid = sm2.doVerifySignature(`${VERSION}.${kid}.${fieldsB64}`, bytesToHex(signature), key.public_key.toLowerCase(), {
      hash: true,
      der: false,
      userId: USER_ID,
    })
  } catch {
    valid = false
  }
  if (!valid) return fail('offline_bad_signature', { kid, keyStatus: key.status })
  return { ok: true, code: 'offline_valid', message: VERDICT_MESSAGES.offline_valid, kid, keyStatus: key.status, fields }
}

// --- the published keys, cached for offline use ----------------------------------------------------

export const KEYS_STORAGE = 'lp.offline-keys'
export const KEYS_URL = '/api/certificates/keys'

export interface CachedKeys {
  keys: PublishedKey[]
  fetchedAt: string
  fromCache: boolean
}

function readCache(): CachedKeys | null {
  try {
    const raw = localStorage.getItem(KEYS_STORAGE)
    if (!raw) return null
    const data = JSON.parse(raw) as { keys?: PublishedKey[]; fetchedAt?: string }
    return Array.isArray(data.keys) && data.fetchedAt ? { keys: data.keys, fetchedAt: data.fetchedAt, fromCache: true } : null
  } catch {
    return null
  }
}

/**
 * The platform's public keys: fetched (and stored in localStorage), or the stored copy when the network
 * fails. Null when there is neither.
 */
export async function loadKeys(fetcher: typeof fetch = fetch): Promise<CachedKeys | null> {
  try {
    // Revalidated every time (ETag, a 304 costs nothing) so a rotation is seen at once; without the network
    // the request fails instead of answering from the HTTP cache, and the stored copy says how old it is.
    const response = await fetcher(KEYS_URL, { headers: { Accept: 'application/json' }, cache: 'no-cache' })
    if (response.ok) {
      const body = (await response.json()) as OfflineKeys
      const fresh = { keys: body.keys, fetchedAt: new Date().toISOString() }
      try {
        localStorage.setItem(KEYS_STORAGE, JSON.stringify(fresh))
      } catch {
        /* private mode or full: the check still works this time */
      }
      return { ...fresh, fromCache: false }
    }
  } catch {
    /* offline: fall back to the stored keys */
  }
  return readCache()
}
