import { http, asPage, cleanParams, uploadConfig, type Progress } from './http'
import { toComparison, type Comparison } from './benchmark'

export interface ModelInfo {
  model_id?: string
  name: string
  spec: string
  intro?: string | null
  appended?: boolean
}

export interface EvidenceFile {
  id: string
  filename: string
  size?: number
  content_type?: string
  uploaded_at?: string
  download_url?: string
}

/** The 14-day public notice (公示) of a declaration, as the service computes it. */
export interface NoticeInfo {
  notice_id: string
  starts_at: string
  ends_at: string
  closed_at?: string | null
  running: boolean
  days_left: number
  objections: number
  open_objections: number
  held: boolean
  state_label: string
}

export type DeclarationAction = 'edit' | 'delete' | 'append_model' | 'review' | 'reviews'

export interface Declaration {
  id: string
  seq?: number
  year: number
  field?: string
  product_id: string
  product_name?: string
  product_type?: 'product' | 'service'
  agency_name?: string | null
  group_standard?: string | null
  standard_no: string
  standard_name: string
  enterprise_name?: string
  completion?: string
  created_at: string
  submitted_at?: string | null
  published_at?: string | null
  list_status: string
  list_status_label?: string
  evidence_status: string
  evidence_status_label?: string
  origin?: 'self' | 'candidate' | string
  actions?: DeclarationAction[]
  public_values?: Record<string, unknown> | null
  comparison_verdict?: string | null
  plan_version?: number | null
  /** The stored comparison, shaped for the result table. */
  result?: Comparison | null
  models?: ModelInfo[]
  evidence?: EvidenceFile[]
  enterprise?: Record<string, any> | null
  enterprise_snapshot?: Record<string, any> | null
  notice?: NoticeInfo | null
}

export interface ReviewRecord {
  id: string
  at: string
  actor_role: string
  actor_name?: string | null
  action?: string
  action_label?: string
  list_from_label?: string | null
  list_to_label?: string | null
  evidence_from_label?: string | null
  evidence_to_label?: string | null
  opinion?: string | null
}

export interface CandidateRow {
  id: string
  product_id: string
  enterprise_name: string
  credit_code: string
  standard_no: string
  standard_name: string
  contact_phone_masked?: string
  /** agency: imported by the agency; self: 企业自主申报 passed by the agency (phone follows 基本信息) */
  source?: 'agency' | 'self'
  source_label?: string
  declaration_id?: string | null
  list_status?: string | null
  list_status_label?: string
  evidence_status_label?: string
}

export interface NoticeRow {
  notice_id: string
  declaration_id: string
  year: number
  product_name?: string
  field?: string
  enterprise_name: string
  standard_no: string
  standard_name: string
  starts_at: string
  ends_at: string
  days_left?: number
  objections?: number
  open_objections?: number
  held?: boolean
  state_label?: string
}

export interface PublishedRow {
  declaration_id: string
  year: number
  field?: string
  product_name?: string
  enterprise_name: string
  standard_no: string
  standard_name: string
  agency_name?: string
  published_at?: string
  models?: { model_id: string; name: string; spec: string }[]
}

export interface Objection {
  id: string
  notice_id: string
  declaration_id: string
  enterprise_name?: string
  standard_no?: string
  name: string
  phone_masked?: string
  reason: string
  status: 'open' | 'dismissed' | 'upheld' | string
  resolution?: string | null
  created_at: string
  resolved_at?: string | null
}

export interface StarProduct {
  id: string
  product_id: string
  product_name?: string
  field?: string
  year?: number
  name: string
  model: string
  star: number
  measured_values?: Record<string, unknown> | null
  comparison_verdict?: string | null
  plan_version?: number | null
  intro?: string | null
  status: 'draft' | 'declared' | string
  status_label?: string
  created_at: string
  declared_at?: string | null
  result?: Comparison | null
}

export function toDeclaration(raw: any): Declaration {
  return { ...raw, result: toComparison(raw.comparison, raw.comparison_verdict ?? undefined, raw.plan_version) }
}

function toStar(raw: any): StarProduct {
  return { ...raw, result: toComparison(raw.comparison, raw.comparison_verdict ?? undefined, raw.plan_version) }
}

export const declarationsApi = {
  list: (params: Record<string, unknown>) =>
    http.get('/api/declarations', { params: cleanParams(params) }).then((r) => asPage<Declaration>(r.data)),
  get: (id: string) => http.get(`/api/declarations/${id}`).then((r) => toDeclaration(r.data)),
  create: (body: { product_id: string; product_type: string; standard_no: string; standard_name: string }) =>
    http.post('/api/declarations', body).then((r) => toDeclaration(r.data)),
  update: (id: string, body: { standard_no?: string; standard_name?: string }) =>
    http.patch(`/api/declarations/${id}`, body).then((r) => toDeclaration(r.data)),
  remove: (id: string) => http.delete(`/api/declarations/${id}`),
  benchmark: (id: string, values: Record<string, unknown>) =>
    http
      .post(`/api/declarations/${id}/benchmark`, { values })
      .then((r) => toComparison(r.data.result, r.data.verdict, r.data.plan_version)!),
  saveProducts: (id: string, models: ModelInfo[]) =>
    http
      .put(`/api/declarations/${id}/products`, { models: models.map((m) => ({ name: m.name, spec: m.spec, intro: m.intro || null })) })
      .then((r) => toDeclaration(r.data)),
  uploadEvidence: (id: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<EvidenceFile>(`/api/declarations/${id}/evidence`, form, uploadConfig(onProgress)).then((r) => r.data)
  },
  removeEvidence: (id: string, fileId: string) => http.delete(`/api/declarations/${id}/evidence/${fileId}`),
  submit: (id: string) => http.post(`/api/declarations/${id}/submit`).then((r) => toDeclaration(r.data)),
  reviews: (id: string) =>
    http
      .get(`/api/declarations/${id}/reviews`, { params: { page_size: 100 } })
      .then((r) => asPage<ReviewRecord>(r.data).items),
  appendModel: (id: string, form: FormData, onProgress?: Progress) =>
    http.post<ModelInfo>(`/api/declarations/${id}/models`, form, uploadConfig(onProgress)).then((r) => r.data),

  // Agency
  agencyReview: (id: string, body: { decision: 'pass' | 'incomplete' | 'fail'; opinion: string }) =>
    http.post(`/api/declarations/${id}/agency-review`, body).then((r) => r.data),
  importCandidates: (productId: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('product_id', productId)
    form.append('file', file)
    return http.post('/api/declarations/candidate-lists', form, uploadConfig(onProgress)).then((r) => r.data)
  },
  candidateTemplateUrl: '/api/declarations/candidate-lists/template',
  candidates: (params: Record<string, unknown>) =>
    http.get('/api/declarations/candidate-lists', { params: cleanParams(params) }).then((r) => asPage<CandidateRow>(r.data)),
  fixCandidatePhone: (id: string, phone: string) =>
    http.patch(`/api/declarations/candidate-lists/candidates/${id}`, { contact_phone: phone }).then((r) => r.data),

  // Working group
  groupReview: (id: string, body: { decision: 'pass' | 'fail'; opinion: string }) =>
    http.post(`/api/declarations/${id}/group-review`, body).then((r) => r.data),
  objections: (params: Record<string, unknown>) =>
    http.get('/api/declarations/objections', { params: cleanParams(params) }).then((r) => asPage<Objection>(r.data)),
  resolveObjection: (id: string, body: { uphold: boolean; opinion: string }) =>
    http.post(`/api/declarations/objections/${id}/resolution`, body).then((r) => r.data),

  // Public
  publicForerunners: (params: Record<string, unknown>) =>
    http.get('/api/declarations/public/forerunners', { params: cleanParams(params) }).then((r) => asPage<PublishedRow>(r.data)),
  /** The years that have a published forerunner list, newest first. */
  publicForerunnerYears: () =>
    http
      .get('/api/declarations/public/forerunners', { params: { page_size: 1 } })
      .then((r) => (Array.isArray(r.data?.years) ? (r.data.years as number[]) : [])),
  publicNotices: (params: Record<string, unknown> = {}) =>
    http.get('/api/declarations/public/notices', { params: cleanParams(params) }).then((r) => asPage<NoticeRow>(r.data)),
  object: (noticeId: string, body: { declaration_id: string; name: string; phone: string; reason: string }) =>
    http.post(`/api/declarations/public/notices/${noticeId}/objections`, body).then((r) => r.data),

  // Star products
  starProducts: (params: Record<string, unknown>) =>
    http.get('/api/declarations/star-products', { params: cleanParams(params) }).then((r) => {
      const page = asPage<any>(r.data)
      return { items: page.items.map(toStar), total: page.total }
    }),
  starProduct: (id: string) => http.get(`/api/declarations/star-products/${id}`).then((r) => toStar(r.data)),
  createStar: (body: { product_id: string; name: string; model: string; star: number }) =>
    http.post('/api/declarations/star-products', body).then((r) => toStar(r.data)),
  updateStar: (id: string, body: { name?: string; model?: string; star?: number; intro?: string }) =>
    http.patch(`/api/declarations/star-products/${id}`, body).then((r) => toStar(r.data)),
  benchmarkStar: (id: string, values: Record<string, unknown>, star: number) =>
    http.post(`/api/declarations/star-products/${id}/benchmark`, { values, star }).then((r) => toStar(r.data)),
  submitStar: (id: string) => http.post(`/api/declarations/star-products/${id}/submit`).then((r) => toStar(r.data)),
}
