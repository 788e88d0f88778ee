import { http, asPage, cleanParams, uploadConfig, type Progress } from './http'
import type { Comparison } from './benchmark'

export interface ModelInfo {
  id?: string
  model: string
  spec?: string
  name?: string
  introduction?: string
  pictures?: { id: string; url: string }[]
  appended?: boolean
  [k: string]: unknown
}

export interface EvidenceFile {
  id: string
  filename: string
  size?: number
  content_type?: string
  uploaded_at?: string
  url?: string
}

export interface Declaration {
  id: string
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
  credit_code?: string
  completeness?: number
  created_at: string
  submitted_at?: string | null
  list_status: string
  list_status_label?: string
  evidence_status: string
  evidence_status_label?: string
  source?: 'self' | 'agency' | string
  values?: Record<string, unknown>
  comparison?: Comparison | null
  models?: ModelInfo[]
  evidence?: EvidenceFile[]
  enterprise_snapshot?: Record<string, unknown> | null
  contact_phone_masked?: string | null
  notice_ends_at?: string | null
  [k: string]: unknown
}

export interface ReviewRecord {
  id?: string
  actor_name?: string
  actor_role?: string
  role_label?: string
  at?: string
  created_at?: string
  from_status?: string
  to_status?: string
  from_label?: string
  to_label?: string
  opinion?: string | null
  action?: string
  [k: string]: unknown
}

export interface CandidateRow {
  id: string
  product_id?: string
  product_name?: string
  enterprise_name: string
  credit_code: string
  standard_no: string
  standard_name: string
  contact_phone_masked?: string
  authenticated?: boolean
  declaration_id?: string | null
  [k: string]: unknown
}

export interface Notice {
  id: string
  title?: string
  year?: number
  product_name?: string
  field?: string
  starts_at?: string
  ends_at?: string
  status?: string
  status_label?: string
  entries?: Declaration[]
  objection_count?: number
  [k: string]: unknown
}

export interface Objection {
  id: string
  notice_id?: string
  declaration_id?: string
  standard_no?: string
  enterprise_name?: string
  name: string
  contact?: string
  phone_masked?: string
  content: string
  status: string
  resolution?: string | null
  created_at: string
  [k: string]: unknown
}

export interface StarProduct {
  id: string
  product_id: string
  product_name?: string
  field?: string
  name: string
  model: string
  star: number
  status: string
  status_label?: string
  values?: Record<string, unknown>
  comparison?: Comparison | null
  model_id?: string | null
  created_at: string
  [k: string]: unknown
}

export const declarationsApi = {
  list: (params: Record<string, unknown>) =>
    http.get('/api/declarations', { params: cleanParams(params) }).then((r) => asPage<Declaration>(r.data)),
  get: (id: string) => http.get<Declaration>(`/api/declarations/${id}`).then((r) => r.data),
  create: (body: { product_id: string; product_type: string; standard_no: string; standard_name: string }) =>
    http.post<Declaration>('/api/declarations', body).then((r) => r.data),
  update: (id: string, body: Partial<Declaration>) => http.patch<Declaration>(`/api/declarations/${id}`, body).then((r) => r.data),
  remove: (id: string) => http.delete(`/api/declarations/${id}`),
  benchmark: (id: string, values: Record<string, unknown>) =>
    http.post<Comparison>(`/api/declarations/${id}/benchmark`, { values }).then((r) => r.data),
  saveProducts: (id: string, models: ModelInfo[]) =>
    http.put(`/api/declarations/${id}/products`, { models }).then((r) => r.data),
  uploadEvidence: (id: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<EvidenceFile>(`/api/declarations/${id}/evidence`, form, uploadConfig(onProgress)).then((r) => r.data)
  },
  removeEvidence: (id: string, fileId: string) => http.delete(`/api/declarations/${id}/evidence/${fileId}`),
  evidenceUrl: (id: string, fileId: string) => `/api/declarations/${id}/evidence/${fileId}`,
  submit: (id: string) => http.post(`/api/declarations/${id}/submit`).then((r) => r.data),
  reviews: (id: string) => http.get(`/api/declarations/${id}/reviews`).then((r) => asPage<ReviewRecord>(r.data).items),
  appendModel: (id: string, form: FormData, onProgress?: Progress) =>
    http.post<ModelInfo>(`/api/declarations/${id}/models`, form, uploadConfig(onProgress)).then((r) => r.data),

  // Agency
  agencyReview: (id: string, body: { decision: 'pass' | 'incomplete' | 'reject'; opinion: string }) =>
    http.post(`/api/declarations/${id}/agency-review`, body).then((r) => r.data),
  importCandidates: (productId: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('product_id', productId)
    form.append('file', file)
    return http.post('/api/declarations/candidate-lists', form, uploadConfig(onProgress)).then((r) => r.data)
  },
  candidateTemplateUrl: '/api/declarations/candidate-lists/template',
  candidates: (params: Record<string, unknown>) =>
    http.get('/api/declarations/candidates', { params: cleanParams(params) }).then((r) => asPage<CandidateRow>(r.data)),
  fixCandidatePhone: (id: string, phone: string) =>
    http.patch(`/api/declarations/candidates/${id}`, { contact_phone: phone }).then((r) => r.data),

  // Working group
  groupReview: (id: string, body: { decision: 'pass' | 'reject'; opinion: string }) =>
    http.post(`/api/declarations/${id}/group-review`, body).then((r) => r.data),
  notices: (params: Record<string, unknown>) =>
    http.get('/api/declarations/notices', { params: cleanParams(params) }).then((r) => asPage<Notice>(r.data)),
  createNotice: (body: { title: string; declaration_ids: string[] }) =>
    http.post<Notice>('/api/declarations/notices', body).then((r) => r.data),
  publishNotice: (id: string) => http.post(`/api/declarations/notices/${id}/publish`).then((r) => r.data),
  objections: (params: Record<string, unknown>) =>
    http.get('/api/declarations/objections', { params: cleanParams(params) }).then((r) => asPage<Objection>(r.data)),
  resolveObjection: (id: string, body: { upheld: boolean; resolution: string }) =>
    http.post(`/api/declarations/objections/${id}/resolution`, body).then((r) => r.data),

  // Public
  publicForerunners: (params: Record<string, unknown>) =>
    http.get('/api/declarations/public/forerunners', { params: cleanParams(params) }).then((r) => asPage<Declaration>(r.data)),
  publicNotices: (params: Record<string, unknown> = {}) =>
    http.get('/api/declarations/public/notices', { params: cleanParams(params) }).then((r) => asPage<Notice>(r.data)),
  publicNotice: (id: string) => http.get<Notice>(`/api/declarations/public/notices/${id}`).then((r) => r.data),
  object: (noticeId: string, body: { declaration_id?: string; name: string; contact: string; content: string }) =>
    http.post(`/api/declarations/public/notices/${noticeId}/objections`, body).then((r) => r.data),

  // Star products
  starProducts: (params: Record<string, unknown>) =>
    http.get('/api/declarations/star-products', { params: cleanParams(params) }).then((r) => asPage<StarProduct>(r.data)),
  starProduct: (id: string) => http.get<StarProduct>(`/api/declarations/star-products/${id}`).then((r) => r.data),
  createStar: (body: { product_id: string; name: string; model: string; star: number }) =>
    http.post<StarProduct>('/api/declarations/star-products', body).then((r) => r.data),
  updateStar: (id: string, body: Record<string, unknown>) =>
    http.patch<StarProduct>(`/api/declarations/star-products/${id}`, body).then((r) => r.data),
  benchmarkStar: (id: string, values: Record<string, unknown>, star: number) =>
    http.post<Comparison>(`/api/declarations/star-products/${id}/benchmark`, { values, star }).then((r) => r.data),
  submitStar: (id: string) => http.post(`/api/declarations/star-products/${id}/submit`).then((r) => r.data),
}
