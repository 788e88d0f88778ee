// The only place the portal turns machine codes into Chinese words. Services may
// send their own `*_label`; these tables cover the codes when they do not.

export const LIST_STATUS: Record<string, string> = {
  draft: '企业未提交',
  enterprise_draft: '企业未提交',
  returned: '不通过',
  agency_rejected: '不通过',
  with_agency: '评估机构未提交',
  agency_review: '评估机构未提交',
  pending_agency: '评估机构未提交',
  group_review: '工作组审核中',
  with_group: '工作组审核中',
  group_rejected: '工作组不通过',
  group_returned: '工作组退回',
  notice: '公示中',
  in_notice: '公示中',
  publicity: '公示中',
  published: '已发布',
  revoked: '已撤销',
}

export const EVIDENCE_STATUS: Record<string, string> = {
  not_uploaded: '未上传',
  none: '未上传',
  pending: '待审核',
  pending_review: '待审核',
  passed: '通过',
  approved: '通过',
  incomplete: '不完整',
  rejected: '不通过',
  failed: '不通过',
}

export const STAR_STATUS: Record<string, string> = {
  draft: '未提交',
  compared: '已对标',
  submitted: '已声明',
  declared: '已声明',
  published: '已声明',
  withdrawn: '已撤回',
}

export const CERT_STATUS: Record<string, string> = {
  valid: '有效',
  revoked: '已撤销',
  expired: '已过期',
}

export const RECOVERY_STATUS: Record<string, string> = {
  pending: '待审核',
  approved: '已通过（冷静期中）',
  rejected: '已驳回',
  cancelled: '已撤销',
  completed: '已生效',
}

export const OBJECTION_STATUS: Record<string, string> = {
  open: '待处理',
  pending: '待处理',
  upheld: '异议成立',
  dismissed: '异议不成立',
  resolved: '已处理',
}

export const NOTICE_STATUS: Record<string, string> = {
  open: '公示中',
  active: '公示中',
  in_notice: '公示中',
  held: '异议处理中',
  ended: '公示结束',
  closed: '公示结束',
  published: '已发布',
}

export const PRODUCT_TYPE: Record<string, string> = { product: '产品类', service: '服务类' }

export const DIRECTION: Record<string, string> = {
  higher: '越高越好',
  higher_better: '越高越好',
  lower: '越低越好',
  lower_better: '越低越好',
  range: '区间内',
  within: '区间内',
  boolean: '是/否',
  bool: '是/否',
  yes_no: '是/否',
  grade: '等级',
  ordered_grade: '等级',
}

export const ROLE_LABEL: Record<string, string> = {
  enterprise: '企业',
  agency: '评估机构',
  working_group: '工作组',
  operator: '运营人员',
  system: '系统',
}

// 企业性质 as the auth service codes them (GET /api/auth/enterprise/natures gives the same list).
export const ENTERPRISE_NATURE: Record<string, string> = {
  state_owned: '国有企业',
  collective: '集体企业',
  private: '私营企业',
  limited_liability: '有限责任公司',
  joint_stock: '股份有限公司',
  foreign_invested: '外商投资企业',
  hk_mo_tw_invested: '港澳台商投资企业',
  individual: '个体工商户',
  other: '其他',
}

const HAS_CHINESE = /[\u4e00-\u9fa5]/

/** Picks the service's label, then ours; never shows an English code to a person. */
export function label(table: Record<string, string>, code: unknown, given?: unknown): string {
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
  if (/(pass|approved|published|valid|upheld|declared|submitted)/.test(c)) return 'success'
  if (/(reject|fail|revoked|incomplete|returned)/.test(c)) return 'danger'
  if (/(expired|draft|none|not_uploaded|closed|ended)/.test(c)) return 'info'
  return 'warning'
}
