import { get } from './client'
import type { components } from './generated/auth'

// The audit hash chains (kit.audit_chain): every service that keeps audit rows answers the same two routes
// with the same models; the auth service's generated types stand for all of them.
type Schemas = components['schemas']

export type AuditHead = Schemas['AuditHeadOut']
export type AuditHeadPage = Schemas['AuditHeadPage']
export type AuditChain = Schemas['AuditChainOut']
export type AuditVerification = Schemas['AuditVerificationOut']
export type HeadsQuery = { page?: number; page_size?: number; chain?: string }

export interface ChainedService {
  service: string
  label: string
  /** What the service's chains hold, in words a reader of the public page understands. */
  records: string
  heads: (query: HeadsQuery) => Promise<AuditHeadPage>
  verify: () => Promise<AuditVerification>
}

export const CHAINED_SERVICES: ChainedService[] = [
  {
    service: 'auth',
    label: '账号与身份',
    records: '登录与登录失败、密码与预留手机号变更、运营人员开通账号、账号找回的申请与审核',
    heads: (query) => get('/api/auth/audit/heads', { query }),
    verify: () => get('/api/auth/audit/verify'),
  },
  {
    service: 'benchmark',
    label: '重点领域产品与评价方案',
    records: '工作组撤销评估机构确定（何人、何时、何因）',
    heads: (query) => get('/api/benchmark/audit/heads', { query }),
    verify: () => get('/api/benchmark/audit/verify'),
  },
  {
    service: 'declaration',
    label: '领跑者申报',
    records: '申报的每一步：提交、评估机构审核、工作组复审、公示、发布及审核意见',
    heads: (query) => get('/api/declarations/audit/heads', { query }),
    verify: () => get('/api/declarations/audit/verify'),
  },
  {
    service: 'certificate',
    label: '证书与标识',
    records: '证书颁发、盖章版回传、撤销、到期失效与追加型号',
    heads: (query) => get('/api/certificates/audit/heads', { query }),
    verify: () => get('/api/certificates/audit/verify'),
  },
]

/** The chains by name (each is one audit table of its service). */
export const CHAIN_LABELS: Readonly<Record<string, string>> = {
  audit_log: '审计日志',
  withdrawn_designations: '撤销机构确定记录',
  reviews: '申报审核记录',
  certificate_history: '证书变更记录',
}

export function chainLabel(chain: string): string {
  return CHAIN_LABELS[chain] ?? chain
}
