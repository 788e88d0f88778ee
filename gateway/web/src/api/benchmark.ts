import { http, asPage, cleanParams, uploadConfig, type Progress } from './http'

export interface KeyProduct {
  id: string
  code: string
  name: string
  field: string
  year: number
  product_type: 'product' | 'service'
  agency_id?: string | null
  agency_name?: string | null
  group_standard?: string | null
  open_for_declaration?: boolean
  closed_reason?: string | null
  notice_ends_at?: string | null
  has_final_plan?: boolean
  [k: string]: unknown
}

export interface Indicator {
  code: string
  name: string
  unit?: string | null
  direction: 'higher' | 'lower' | 'range' | 'boolean' | 'grade' | string
  forerunner_threshold?: string | number | null
  threshold_min?: string | number | null
  threshold_max?: string | number | null
  star_thresholds?: Record<string, unknown> | null
  [k: string]: unknown
}

export interface Plan {
  id?: string
  product_id: string
  version: number
  status?: string
  final?: boolean
  group_standard?: string | null
  indicators: Indicator[]
  [k: string]: unknown
}

export interface IndicatorResult {
  code: string
  name?: string
  unit?: string | null
  value: string | number | boolean | null
  threshold: string | number | null
  threshold_text?: string | null
  passed: boolean
  margin?: string | number | null
  star?: number | null
  [k: string]: unknown
}

export interface Comparison {
  passed: boolean
  plan_version: number
  results: IndicatorResult[]
  highest_star?: number | null
  skipped?: boolean
  [k: string]: unknown
}

export const benchmarkApi = {
  products: (params: Record<string, unknown> = {}) =>
    http.get('/api/benchmark/products', { params: cleanParams(params) }).then((r) => asPage<KeyProduct>(r.data)),
  plan: (productId: string) => http.get<Plan>(`/api/benchmark/products/${productId}/plan`).then((r) => r.data),
  compareForerunner: (product_id: string, values: Record<string, unknown>) =>
    http.post<Comparison>('/api/benchmark/compare/forerunner', { product_id, values }).then((r) => r.data),
  compareStar: (product_id: string, values: Record<string, unknown>, star: number) =>
    http.post<Comparison>('/api/benchmark/compare/star', { product_id, values, star }).then((r) => r.data),
  // Working group: the year's key-field products and the agency designated for each.
  createProduct: (body: Partial<KeyProduct>) => http.post<KeyProduct>('/api/benchmark/products', body).then((r) => r.data),
  updateProduct: (id: string, body: Partial<KeyProduct>) =>
    http.patch<KeyProduct>(`/api/benchmark/products/${id}`, body).then((r) => r.data),
  agencies: () => http.get('/api/benchmark/agencies').then((r) => asPage<{ id: string; name: string }>(r.data).items),
  designate: (productId: string, body: { agency_id: string; notice_starts_at?: string }) =>
    http.post(`/api/benchmark/products/${productId}/designation`, body).then((r) => r.data),
  // Agency: its own products' plans, edited as JSON or as the Excel template.
  myProducts: (params: Record<string, unknown> = {}) =>
    http.get('/api/benchmark/agency/products', { params: cleanParams(params) }).then((r) => asPage<KeyProduct>(r.data)),
  draftPlan: (productId: string) => http.get<Plan>(`/api/benchmark/products/${productId}/plan/draft`).then((r) => r.data),
  savePlan: (productId: string, body: { group_standard?: string; indicators: Indicator[] }) =>
    http.put<Plan>(`/api/benchmark/products/${productId}/plan/draft`, body).then((r) => r.data),
  uploadPlanExcel: (productId: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<Plan>(`/api/benchmark/products/${productId}/plan/draft/excel`, form, uploadConfig(onProgress)).then((r) => r.data)
  },
  planTemplateUrl: (productId: string) => `/api/benchmark/products/${productId}/plan/template`,
  finalisePlan: (productId: string) => http.post(`/api/benchmark/products/${productId}/plan/finalise`).then((r) => r.data),
}
