import type { OrgType } from '@/stores/auth'

export interface MenuItem {
  title: string
  path?: string
  icon?: string
  children?: MenuItem[]
}

// The enterprise menus follow the seed's table: before identity authentication
// 企标领跑者 holds only 企标领跑者申报; afterwards 证明资料上传, 领跑者证书 and 领跑者标识 appear.
export function enterpriseMenu(verified: boolean): MenuItem[] {
  const forerunner: MenuItem[] = [{ title: '企标领跑者申报', path: '/workspace/enterprise/declarations' }]
  if (verified) {
    forerunner.push(
      { title: '证明资料上传', path: '/workspace/enterprise/evidence' },
      { title: '领跑者证书', path: '/workspace/enterprise/certificates' },
      { title: '领跑者标识', path: '/workspace/enterprise/labels' },
    )
  }
  return [
    {
      title: '企业信息',
      icon: 'OfficeBuilding',
      children: [
        { title: '基本信息', path: '/workspace/enterprise/profile' },
        { title: '品牌信息', path: '/workspace/enterprise/brands' },
      ],
    },
    { title: '企标领跑者', icon: 'Trophy', children: forerunner },
    {
      title: '星级产品库',
      icon: 'Star',
      children: [
        { title: '自我声明产品', path: '/workspace/enterprise/star-declarations' },
        { title: '星级产品', path: '/workspace/enterprise/star-products' },
      ],
    },
    { title: '标准检索', icon: 'Search', path: '/workspace/enterprise/standards' },
  ]
}

const AGENCY: MenuItem[] = [
  { title: '评估方案', icon: 'Document', path: '/workspace/agency/plans' },
  { title: '入围名单', icon: 'List', path: '/workspace/agency/candidates' },
  { title: '申报审核', icon: 'Stamp', path: '/workspace/agency/reviews' },
  { title: '盖章证书', icon: 'Medal', path: '/workspace/agency/certificates' },
]

const GROUP: MenuItem[] = [
  { title: '数据看板', icon: 'DataAnalysis', path: '/workspace/group/dashboard' },
  { title: '重点领域产品', icon: 'Grid', path: '/workspace/group/products' },
  { title: '申报复审', icon: 'Stamp', path: '/workspace/group/reviews' },
  {
    title: '公示与发布',
    icon: 'Bell',
    children: [
      { title: '公示管理', path: '/workspace/group/notices' },
      { title: '异议处理', path: '/workspace/group/objections' },
    ],
  },
  { title: '证书管理', icon: 'Medal', path: '/workspace/group/certificates' },
]

/** Development and demo platforms only: the layout hides it where /api/dev/clock does not exist. */
export const CLOCK_PATH = '/workspace/operator/clock'

const OPERATOR: MenuItem[] = [
  { title: '账号找回申请', icon: 'Key', path: '/workspace/operator/recovery' },
  { title: '审计链校验', icon: 'Lock', path: '/workspace/operator/audit' },
  { title: '开放数据密钥', icon: 'Connection', path: '/workspace/operator/api-keys' },
  { title: '事件订阅', icon: 'Share', path: '/workspace/operator/webhooks' },
  { title: '平台时钟', icon: 'Timer', path: CLOCK_PATH },
]

export function menuFor(orgType: OrgType | null, verified: boolean): MenuItem[] {
  switch (orgType) {
    case 'enterprise':
      return enterpriseMenu(verified)
    case 'agency':
      return AGENCY
    case 'working_group':
      return GROUP
    case 'operator':
      return OPERATOR
    default:
      return []
  }
}

export function homeFor(orgType: OrgType | null): string {
  switch (orgType) {
    case 'enterprise':
      return '/workspace/enterprise/declarations'
    case 'agency':
      return '/workspace/agency/reviews'
    case 'working_group':
      return '/workspace/group/reviews'
    case 'operator':
      return '/workspace/operator/recovery'
    default:
      return '/login'
  }
}

export const ORG_TYPE_LABEL: Record<string, string> = {
  enterprise: '企业用户',
  agency: '评估机构',
  working_group: '工作组',
  operator: '运营人员',
}
