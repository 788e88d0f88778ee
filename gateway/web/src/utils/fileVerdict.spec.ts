import { describe, expect, it } from 'vitest'
import { verdictHeading, verdictTone } from './fileVerdict'

const doc = (status: 'valid' | 'revoked' | 'expired') => ({ status }) as never

describe('the answer to a checked file', () => {
  it('is green and says authentic for a file in force', () => {
    const r = { verdict: 'authentic' as const, verdict_label: '真实有效', document: doc('valid') }
    expect(verdictTone(r)).toBe('ok')
    expect(verdictHeading(r)).toBe('真实有效')
  })

  it('names the end a genuine file met: revoked in red, expired in amber', () => {
    const revoked = { verdict: 'ended' as const, verdict_label: '真实，但已失效', document: doc('revoked') }
    const expired = { verdict: 'ended' as const, verdict_label: '真实，但已失效', document: doc('expired') }
    expect([verdictTone(revoked), verdictHeading(revoked)]).toEqual(['bad', '真实，但已撤销'])
    expect([verdictTone(expired), verdictHeading(expired)]).toEqual(['warn', '真实，但已过期'])
  })

  it('is red for an altered file or one the platform did not issue, in the service labels', () => {
    for (const [verdict, text] of [
      ['altered', '文件已被改动'],
      ['not_ours', '非本平台签发'],
    ] as const) {
      const r = { verdict, verdict_label: '', document: null }
      expect(verdictTone(r)).toBe('bad')
      expect(verdictHeading(r)).toBe(text)
    }
  })
})
