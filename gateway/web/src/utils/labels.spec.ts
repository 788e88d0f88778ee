import { describe, expect, it } from 'vitest'
import { CERT_STATUS, EVIDENCE_STATUS, LIST_STATUS, label, options } from './labels'

describe('labels', () => {
  it('come from the services in the order they declare their codes', () => {
    expect(options(LIST_STATUS).map((o) => o.value)).toEqual([
      'draft',
      'with_agency',
      'agency_rejected',
      'group_review',
      'group_returned',
      'in_notice',
      'published',
    ])
    expect(LIST_STATUS.in_notice).toBe('公示中')
    expect(EVIDENCE_STATUS.pending).toBe('待审核')
  })

  it('offer a chosen subset in the chosen order and skip codes no service has', () => {
    expect(options(CERT_STATUS, ['revoked', 'valid', 'lost'])).toEqual([
      { value: 'revoked', label: '已撤销' },
      { value: 'valid', label: '有效' },
    ])
  })

  it('prefer the label a service sent and never show an English code', () => {
    expect(label(LIST_STATUS, 'published', '已发布（2026）')).toBe('已发布（2026）')
    expect(label(LIST_STATUS, 'published')).toBe('已发布')
    expect(label(LIST_STATUS, 'enterprise_draft')).toBe('—')
  })
})
