import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ElMessage } from 'element-plus'
import { useAuthStore, type OrgType } from '@/stores/auth'
import { homeFor } from './menus'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    public?: boolean
    guestOnly?: boolean
    roles?: OrgType[]
    verified?: boolean
  }
}

const E: OrgType[] = ['enterprise']
const A: OrgType[] = ['agency']
const G: OrgType[] = ['working_group']
const O: OrgType[] = ['operator']

const routes: RouteRecordRaw[] = [
  {
    path: '/',
    component: () => import('@/layouts/PublicLayout.vue'),
    meta: { public: true },
    children: [
      { path: '', name: 'home', component: () => import('@/views/public/HomePage.vue'), meta: { public: true, title: '首页' } },
      { path: 'forerunners', component: () => import('@/views/public/ForerunnerList.vue'), meta: { public: true, title: '领跑者榜单' } },
      { path: 'notices', component: () => import('@/views/public/NoticeList.vue'), meta: { public: true, title: '公示公告' } },
      // Messages link to one notice; the public list shows every standard under notice with its objection form.
      { path: 'notices/:id', component: () => import('@/views/public/NoticeList.vue'), meta: { public: true, title: '公示公告' } },
      { path: 'mall', component: () => import('@/views/public/MallPage.vue'), meta: { public: true, title: '领跑者供需对接平台' } },
      { path: 'mall/products/:id', component: () => import('@/views/public/MallProduct.vue'), meta: { public: true, title: '产品详情' } },
      { path: 'verify', component: () => import('@/views/public/VerifyPage.vue'), meta: { public: true, title: '证书查验' } },
      { path: 'verify/:code', component: () => import('@/views/public/VerifyPage.vue'), meta: { public: true, title: '证书查验' } },
      { path: 'open-data', component: () => import('@/views/public/OpenData.vue'), meta: { public: true, title: '开放数据' } },
      { path: 'statistics', component: () => import('@/views/public/StatisticsPage.vue'), meta: { public: true, title: '统计数据' } },
      { path: 'audit-heads', component: () => import('@/views/public/AuditHeads.vue'), meta: { public: true, title: '审计链头公示' } },
    ],
  },
  {
    path: '/',
    component: () => import('@/layouts/AccountLayout.vue'),
    meta: { public: true },
    children: [
      { path: 'login', name: 'login', component: () => import('@/views/account/LoginPage.vue'), meta: { public: true, guestOnly: true, title: '登录' } },
      { path: 'register', component: () => import('@/views/account/RegisterPage.vue'), meta: { public: true, guestOnly: true, title: '企业注册' } },
      { path: 'forgot-password', component: () => import('@/views/account/ForgotPassword.vue'), meta: { public: true, title: '忘记密码' } },
      { path: 'recovery', component: () => import('@/views/account/RecoveryRequest.vue'), meta: { public: true, title: '手机号不可用申请' } },
      { path: 'recovery/cancel', component: () => import('@/views/account/RecoveryAnswer.vue'), meta: { public: true, title: '撤销账号找回申请' } },
      { path: 'recovery/confirm', component: () => import('@/views/account/RecoveryAnswer.vue'), meta: { public: true, title: '确认账号找回申请' } },
    ],
  },
  {
    path: '/workspace',
    component: () => import('@/layouts/PortalLayout.vue'),
    children: [
      { path: '', name: 'workspace', redirect: () => homeFor(useAuthStore().orgType) },
      { path: 'password', name: 'change-password', component: () => import('@/views/account/ChangePassword.vue'), meta: { title: '修改密码' } },
      { path: 'messages', component: () => import('@/views/common/MessageCenter.vue'), meta: { title: '消息中心' } },

      { path: 'enterprise/profile', component: () => import('@/views/enterprise/BasicInfo.vue'), meta: { roles: E, title: '基本信息' } },
      { path: 'enterprise/brands', component: () => import('@/views/enterprise/BrandInfo.vue'), meta: { roles: E, title: '品牌信息' } },
      { path: 'enterprise/declarations', component: () => import('@/views/enterprise/DeclarationList.vue'), meta: { roles: E, title: '企标领跑者申报' } },
      { path: 'enterprise/declarations/new', component: () => import('@/views/enterprise/DeclarationWizard.vue'), meta: { roles: E, title: '新增申报' } },
      { path: 'enterprise/declarations/:id', component: () => import('@/views/enterprise/DeclarationWizard.vue'), meta: { roles: E, title: '申报详情' } },
      { path: 'enterprise/evidence', component: () => import('@/views/enterprise/EvidenceList.vue'), meta: { roles: E, verified: true, title: '证明资料上传' } },
      { path: 'enterprise/certificates', component: () => import('@/views/enterprise/CertificateList.vue'), meta: { roles: E, verified: true, title: '领跑者证书' } },
      { path: 'enterprise/labels', component: () => import('@/views/enterprise/LabelList.vue'), meta: { roles: E, verified: true, title: '领跑者标识' } },
      { path: 'enterprise/star-declarations', component: () => import('@/views/enterprise/StarDeclarationList.vue'), meta: { roles: E, title: '自我声明产品' } },
      { path: 'enterprise/star-declarations/new', component: () => import('@/views/enterprise/StarWizard.vue'), meta: { roles: E, title: '新增产品' } },
      { path: 'enterprise/star-declarations/:id', component: () => import('@/views/enterprise/StarWizard.vue'), meta: { roles: E, title: '自我声明产品' } },
      { path: 'enterprise/star-products', component: () => import('@/views/enterprise/StarProductList.vue'), meta: { roles: E, title: '星级产品' } },
      { path: 'enterprise/promotion/:modelId', component: () => import('@/views/enterprise/PromotionEditor.vue'), meta: { roles: E, title: '产品宣传信息' } },
      { path: 'enterprise/standards', component: () => import('@/views/enterprise/StandardSearch.vue'), meta: { roles: E, title: '标准检索' } },

      { path: 'agency/plans', component: () => import('@/views/agency/PlanList.vue'), meta: { roles: A, title: '评估方案' } },
      { path: 'agency/plans/:productId', component: () => import('@/views/agency/PlanEditor.vue'), meta: { roles: A, title: '编辑评估方案' } },
      { path: 'agency/candidates', component: () => import('@/views/agency/CandidateList.vue'), meta: { roles: A, title: '入围名单' } },
      { path: 'agency/reviews', component: () => import('@/views/agency/ReviewQueue.vue'), meta: { roles: A, title: '申报审核' } },
      { path: 'agency/certificates', component: () => import('@/views/agency/StampedCertificates.vue'), meta: { roles: A, title: '盖章证书' } },

      { path: 'group/dashboard', component: () => import('@/views/group/DashboardPage.vue'), meta: { roles: G, title: '数据看板' } },
      { path: 'group/products', component: () => import('@/views/group/KeyProducts.vue'), meta: { roles: G, title: '重点领域产品' } },
      { path: 'group/reviews', component: () => import('@/views/group/SecondReview.vue'), meta: { roles: G, title: '申报复审' } },
      { path: 'group/notices', component: () => import('@/views/group/NoticeManage.vue'), meta: { roles: G, title: '公示管理' } },
      { path: 'group/objections', component: () => import('@/views/group/ObjectionList.vue'), meta: { roles: G, title: '异议处理' } },
      { path: 'group/certificates', component: () => import('@/views/group/CertificateManage.vue'), meta: { roles: G, title: '证书管理' } },

      { path: 'operator/recovery', component: () => import('@/views/operator/RecoveryRequests.vue'), meta: { roles: O, title: '账号找回申请' } },
      { path: 'operator/webhooks', component: () => import('@/views/operator/WebhookEndpoints.vue'), meta: { roles: O, title: '事件订阅' } },
      { path: 'operator/audit', component: () => import('@/views/operator/AuditChains.vue'), meta: { roles: O, title: '审计链校验' } },
      { path: 'operator/api-keys', component: () => import('@/views/operator/ApiKeys.vue'), meta: { roles: O, title: '开放数据密钥' } },
      { path: 'operator/clock', component: () => import('@/views/operator/PlatformClock.vue'), meta: { roles: O, title: '平台时钟' } },
    ],
  },
  { path: '/:pathMatch(.*)*', component: () => import('@/views/common/NotFound.vue'), meta: { public: true, title: '页面不存在' } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.loggedIn) await auth.restore()

  if (to.meta.public) {
    if (to.meta.guestOnly && auth.loggedIn) return homeFor(auth.orgType)
    return true
  }
  if (!auth.loggedIn) return { path: '/login', query: { redirect: to.fullPath } }
  // A generated password opens nothing but the change itself.
  if (auth.mustChangePassword && to.name !== 'change-password') return { name: 'change-password' }
  if (to.meta.roles && (!auth.orgType || !to.meta.roles.includes(auth.orgType))) return homeFor(auth.orgType)
  if (to.meta.verified && !auth.verified) {
    ElMessage.warning('请先完成领跑者企业身份认证')
    return homeFor(auth.orgType)
  }
  return true
})

router.afterEach((to) => {
  const base = '质量分级及“领跑者”管理信息平台'
  document.title = to.meta.title ? `${to.meta.title} - ${base}` : base
})
