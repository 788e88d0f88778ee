import { http, asPage, cleanParams, uploadConfig, type Progress } from './http'

export type Direction = 'higher' | 'lower' | 'range' | 'bool' | 'grade'
/** A threshold as the benchmark service writes it: a decimal string, {min,max}, yes/no or a grade. */
export type Threshold = string | number | boolean | { min: string | number; max: string | number } | null

export interface KeyProduct {
  id: string
  code: string
  name: string
  field: string
  year: number
  product_type: 'product' | 'service'
  product_type_label?: string
  agency?: { id: string; name: string } | null
  notice?: { starts_at: string; ends_at: string; running: boolean } | null
  final_plan_version?: number | null
  open_for_declaration: boolean
  closed_reasons?: { code: string; message: string }[]
  closed_message?: string | null
  // Derived here so pages read one flat shape.
  agency_id?: string | null
  agency_name?: string | null
  notice_ends_at?: string | null
  has_final_plan?: boolean
  closed_reason?: string | null
  group_standard?: string | null
}

export interface Indicator {
  code: string
  name: string
  unit?: string | null
  direction: Direction | string
  direction_label?: string
  forerunner: Threshold
  /** Thresholds of stars 1..5 (index 0 is one star), or null when the plan grades nothing. */
  stars?: Threshold[] | null
  lower_bound?: string | number | null
  upper_bound?: string | number | null
  grades?: string[] | null
}

export interface Plan {
  id?: string
  product_id: string
  product_name?: string
  product_type?: string
  version: number
  status?: 'draft' | 'final' | 'superseded' | string
  status_label?: string
  title?: string
  group_standard?: string | null
  graded?: boolean
  indicators: Indicator[]
}

export interface IndicatorResult {
  code: string
  name?: string
  unit?: string | null
  direction?: string
  direction_label?: string
  value: unknown
  threshold: Threshold
  passed: boolean
  margin?: string | number | null
  star_reached?: number | null
}

/** A comparison as the portal shows it (the service's verdict and per-indicator rows). */
export interface Comparison {
  verdict: 'passed' | 'failed' | 'not_required' | string
  verdict_label?: string
  passed: boolean
  skipped: boolean
  plan_version: number | null
  requested_star?: number | null
  highest_star?: number | null
  results: IndicatorResult[]
}

export function toComparison(raw: any, fallbackVerdict?: string, planVersion?: number | null): Comparison | null {
  // Candidates put on the list by an agency carry no comparison of their own (verdict "assessed").
  if (!raw && fallbackVerdict !== 'not_required') return null
  const data = raw ?? {}
  const verdict: string = data.verdict ?? fallbackVerdict ?? 'failed'
  return {
    verdict,
    verdict_label: data.verdict_label,
    passed: verdict === 'passed' || verdict === 'not_required',
    skipped: verdict === 'not_required',
    plan_version: data.plan_version ?? planVersion ?? null,
    requested_star: data.requested_star ?? null,
    highest_star: data.highest_star ?? null,
    results: data.indicators ?? data.results ?? [],
  }
}

export function toProduct(p: any): KeyProduct {
  return {
    ...p,
    agency_id: p.agency?.id ?? null,
    agency_name: p.agency?.name ?? null,
    notice_ends_at: p.notice?.ends_at ?? null,
    has_final_plan: p.final_plan_version !== null && p.final_plan_version !== undefined,
    // The short reasons for tables; closed_message is the seed's whole FAQ answer.
    closed_reason: p.closed_reasons?.length ? p.closed_reasons.map((r: any) => r.message).join('；') : (p.closed_message ?? null),
  }
}

function productPage(data: any) {
  const page = asPage<any>(data)
  return { items: page.items.map(toProduct), total: page.total }
}

export interface PlanBody {
  title: string
  group_standard: string
  indicators: {
    code: string
    name: string
    unit: string
    direction: string
    forerunner: Threshold
    stars: Threshold[] | null
    lower_bound?: string | null
    upper_bound?: string | null
    grades?: string[] | null
  }[]
}

export const benchmarkApi = {
  products: (params: Record<string, unknown> = {}) =>
    http.get('/api/benchmark/products', { params: cleanParams(params) }).then((r) => productPage(r.data)),
  product: (id: string) => http.get(`/api/benchmark/products/${id}`).then((r) => toProduct(r.data)),
  plan: (productId: string) => http.get<Plan>(`/api/benchmark/products/${productId}/plan`).then((r) => r.data),
  compareForerunner: (product_id: string, values: Record<string, unknown>) =>
    http.post('/api/benchmark/compare/forerunner', { product_id, values }).then((r) => toComparison(r.data)!),

  // Working group: the year's key-field products and the agency designated for each.
  createProduct: (body: { code: string; name: string; field: string; year: number; product_type: string }) =>
    http.post('/api/benchmark/products', body).then((r) => toProduct(r.data)),
  agencies: () => http.get('/api/benchmark/agencies').then((r) => asPage<{ id: string; name: string }>(r.data).items),
  designate: (productId: string, agencyOrgId: string) =>
    http.post(`/api/benchmark/products/${productId}/designation`, { agency_org_id: agencyOrgId }).then((r) => r.data),
  // 撤销指定: the product closes until another agency is designated; the agency is told in-site and by SMS.
  withdrawDesignation: (productId: string, reason: string) =>
    http.post(`/api/benchmark/products/${productId}/designation/withdraw`, { reason }).then((r) => toProduct(r.data)),

  // Agency: its own products' plans, as JSON or as the Excel template; a final plan is never edited.
  myProducts: (params: Record<string, unknown> = {}) =>
    http.get('/api/benchmark/agency/products', { params: cleanParams(params) }).then((r) => productPage(r.data)),
  plans: (productId: string) =>
    http.get(`/api/benchmark/products/${productId}/plans`).then((r) => asPage<Plan>(r.data).items),
  createPlan: (productId: string, body: PlanBody) =>
    http.post<Plan>(`/api/benchmark/products/${productId}/plans`, body).then((r) => r.data),
  replacePlan: (planId: string, body: PlanBody) => http.put<Plan>(`/api/benchmark/plans/${planId}`, body).then((r) => r.data),
  uploadWorkbook: (productId: string, draftId: string | null, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    const url = draftId ? `/api/benchmark/plans/${draftId}/workbook` : `/api/benchmark/products/${productId}/plans/workbook`
    const send = draftId ? http.put<Plan> : http.post<Plan>
    return send(url, form, uploadConfig(onProgress)).then((r) => r.data)
  },
  planTemplateUrl: (productId: string) => `/api/benchmark/products/${productId}/plan-template`,
  finalisePlan: (planId: string) => http.post<Plan>(`/api/benchmark/plans/${planId}/finalise`).then((r) => r.data),
}
