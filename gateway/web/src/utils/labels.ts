// The only place the portal turns machine codes into Chinese words. The tables are the services' own
// (each service's PUBLIC_ENUMS, generated into src/api/generated/labels.ts by `make portal-contract`);
// services also send a `*_label` beside most codes, which wins when given.
import {
  Actor,
  CertificateStatus,
  Direction,
  EnterpriseNature,
  EvidenceStatus,
  FileVerdict,
  ListingStatus,
  ListStatus,
  ObjectionStatus,
  ProductType,
  RecoveryStatus,
  StarStatus,
  WebhookDeliveryStatus,
  WebhookEndpointState,
  WebhookEventType,
} from '@/api/generated/labels'

/** A code → label table, in the order the service declares its codes (the order of a page's options). */
export type LabelTable = Readonly<Record<string, string>>

export const LIST_STATUS: LabelTable = ListStatus
export const EVIDENCE_STATUS: LabelTable = EvidenceStatus
export const STAR_STATUS: LabelTable = StarStatus
export const CERT_STATUS: LabelTable = CertificateStatus
/** The answer to a checked certificate or label file (verify by file). */
export const FILE_VERDICT: LabelTable = FileVerdict
export const RECOVERY_STATUS: LabelTable = RecoveryStatus
export const LISTING_STATUS: LabelTable = ListingStatus
export const PRODUCT_TYPE: LabelTable = ProductType
export const DIRECTION: LabelTable = Direction
/** Who acted on a declaration (its review records). */
export const ROLE_LABEL: LabelTable = Actor
export const ENTERPRISE_NATURE: LabelTable = EnterpriseNature
export const OBJECTION_STATUS: LabelTable = ObjectionStatus
/** Webhooks (事件订阅): the public event types, a delivery's status, an endpoint's state. */
export const WEBHOOK_EVENT: LabelTable = WebhookEventType
export const WEBHOOK_DELIVERY_STATUS: LabelTable = WebhookDeliveryStatus
export const WEBHOOK_ENDPOINT_STATE: LabelTable = WebhookEndpointState

export interface LabelOption {
  value: string
  label: string
}

/** A select's options from a table: every code, or the given ones in the given order. */
export function options(table: LabelTable, codes: readonly string[] = Object.keys(table)): LabelOption[] {
  return codes.filter((code) => code in table).map((value) => ({ value, label: table[value] }))
}

const HAS_CHINESE = /[\u4e00-\u9fa5]/

/** Picks the service's label, then ours; never shows an English code to a person. */
export function label(table: LabelTable, code: unknown, given?: unknown): string {
  if (typeof given === 'string' && HAS_CHINESE.test(given)) return given
  if (typeof code === 'string') {
    if (table[code]) return table[code]
    if (HAS_CHINESE.test(code)) return code
  }
  return '—'
}

export type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary'

export function statusTone(code: unknown): TagType {
  const c = String(code ?? '')
  if (/(pass|approved|published|valid|upheld|declared|submitted|delivered|active)/.test(c)) return 'success'
  if (/(reject|fail|revoked|incomplete|returned)/.test(c)) return 'danger'
  if (/(expired|draft|none|not_uploaded|closed|ended|disabled)/.test(c)) return 'info'
  return 'warning'
}
