// How the verify page shows the answer to a checked file: a colour and a heading a shop assistant
// reads at a glance. "ended" says which end it met (revoked is red, expired amber).
import type { FileVerification } from '@/api/certificates'
import { FILE_VERDICT, label } from '@/utils/labels'

export type Tone = 'ok' | 'warn' | 'bad'

export function verdictTone(r: Pick<FileVerification, 'verdict' | 'document'>): Tone {
  if (r.verdict === 'authentic') return 'ok'
  if (r.verdict === 'ended' && r.document?.status === 'expired') return 'warn'
  return 'bad'
}

export function verdictHeading(r: Pick<FileVerification, 'verdict' | 'verdict_label' | 'document'>): string {
  if (r.verdict === 'ended') return r.document?.status === 'expired' ? '真实，但已过期' : '真实，但已撤销'
  return label(FILE_VERDICT, r.verdict, r.verdict_label)
}
