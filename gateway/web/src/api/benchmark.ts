import { get, hrefOf, post, put, type Filters, type Query } from './client'
import { uploadConfig, type Page, type Progress } from './http'
import type { components } from './generated/benchmark'
import { Verdict as VERDICTS } from './generated/labels'

type Schemas = components['schemas']

export type Direction = Schemas['Direction']
export type Verdict = Schemas['Verdict']
export type ProductOut = Schemas['ProductOut']
export type Indicator = Schemas['IndicatorOut']
export type Plan = Schemas['PlanOut']
export type IndicatorResult = Schemas['IndicatorResultOut']
export type ComparisonOut = Schemas['ComparisonOut']
export type Agency = Schemas['AgencyRef']
export type Calibration = Schemas['CalibrationOut']
export type IndicatorCalibration = Schemas['IndicatorCalibrationOut']
export type Share = Schemas['ShareOut']
export type ProductFilters = Filters<Query<'/api/benchmark/products'>>
export type AgencyProductFilters = Filters<Query<'/api/benchmark/agency/products'>>

/** A threshold as the benchmark service writes it: a decimal string or a grade, {min,max}, or yes/no. */
export type Threshold = Indicator['forerunner'] | null

/** A key-field product with the flat fields the tables show (derived here from the service's answer). */
export interface KeyProduct extends ProductOut {
  agency_id: string | null
  agency_name: string | null
  notice_ends_at: string | null
  has_final_plan: boolean
  /** The short reasons for tables; closed_message is the seed's whole FAQ answer. */
  closed_reason: string | null
}

export function keyProduct(p: ProductOut): KeyProduct {
  return {
    ...p,
    agency_id: p.agency?.id ?? null,
    agency_name: p.agency?.name ?? null,
    notice_ends_at: p.notice?.ends_at ?? null,
    has_final_plan: p.final_plan_version !== null,
    closed_reason: p.closed_reasons.length ? p.closed_reasons.map((r) => r.message).join('；') : p.closed_message,
  }
}

function keyProducts(page: Page<ProductOut>): Page<KeyProduct> {
  return { ...page, items: page.items.map(keyProduct) }
}

/** A comparison as the result table shows it: the service's verdict and its per-indicator rows. */
export interface Comparison {
  verdict: Verdict | 'assessed'
  verdict_label: string | null
  /** passed, or nothing to compare (a service-type product) */
  passed: boolean
  skipped: boolean
  plan_version: number | null
  requested_star: number | null
  highest_star: number | null
  results: IndicatorResult[]
}

/** The table's view of a fresh comparison. */
export function comparisonView(c: ComparisonOut): Comparison {
  return {
    verdict: c.verdict,
    verdict_label: c.verdict_label,
    passed: c.verdict === 'passed' || c.verdict === 'not_required',
    skipped: c.verdict === 'not_required',
    plan_version: c.plan_version,
    requested_star: c.requested_star,
    highest_star: c.highest_star,
    results: c.indicators,
  }
}

/** The table's view of a stored comparison. A declaration of a service-type product has none (verdict
 *  not_required: nothing to compare); candidates put on the list by an agency have none either (assessed). */
export function storedComparison(
  comparison: ComparisonOut | null,
  verdict: Verdict | 'assessed' | null,
  planVersion: number | null,
): Comparison | null {
  if (comparison) return comparisonView(comparison)
  if (verdict !== 'not_required') return null
  return {
    verdict,
    verdict_label: null,
    passed: true,
    skipped: true,
    plan_version: planVersion,
    requested_star: null,
    highest_star: null,
    results: [],
  }
}

/** A verdict code as a service wrote it, or null when it is none the benchmark service gives. */
export function verdictOf(code: string | null): Verdict | null {
  return code !== null && code in VERDICTS ? (code as Verdict) : null
}

export type PlanBody = Schemas['PlanIn']

export const benchmarkApi = {
  products: (query: ProductFilters = {}) => get('/api/benchmark/products', { query }).then(keyProducts),
  product: (id: string) => get('/api/benchmark/products/{product_id}', { path: { product_id: id } }).then(keyProduct),
  plan: (productId: string) => get('/api/benchmark/products/{product_id}/plan', { path: { product_id: productId } }),
  compareForerunner: (product_id: string, values: Record<string, unknown>) =>
    post('/api/benchmark/compare/forerunner', { product_id, values }).then(comparisonView),

  // Working group: the year's key-field products and the agency designated for each.
  createProduct: (body: Schemas['ProductIn']) => post('/api/benchmark/products', body).then(keyProduct),
  agencies: () => get('/api/benchmark/agencies', { query: { page_size: 100 } }).then((page) => page.items),
  designate: (productId: string, agencyOrgId: string) =>
    post('/api/benchmark/products/{product_id}/designation', { agency_org_id: agencyOrgId }, { path: { product_id: productId } }).then(
      keyProduct,
    ),
  // 撤销指定: the product closes until another agency is designated; the agency is told in-site and by SMS.
  withdrawDesignation: (productId: string, reason: string) =>
    post('/api/benchmark/products/{product_id}/designation/withdraw', { reason }, { path: { product_id: productId } }).then(
      keyProduct,
    ),

  // Agency: its own products' plans, as JSON or as the Excel template; a final plan is never edited.
  myProducts: (query: AgencyProductFilters = {}) => get('/api/benchmark/agency/products', { query }).then(keyProducts),
  plans: (productId: string) =>
    get('/api/benchmark/products/{product_id}/plans', { path: { product_id: productId }, query: { page_size: 100 } }).then(
      (page) => page.items,
    ),
  createPlan: (productId: string, body: PlanBody) =>
    post('/api/benchmark/products/{product_id}/plans', body, { path: { product_id: productId } }),
  replacePlan: (planId: string, body: PlanBody) => put('/api/benchmark/plans/{plan_id}', body, { path: { plan_id: planId } }),
  uploadWorkbook: (productId: string, draftId: string | null, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    const config = uploadConfig(onProgress)
    return draftId
      ? put('/api/benchmark/plans/{plan_id}/workbook', form, { path: { plan_id: draftId }, config })
      : post('/api/benchmark/products/{product_id}/plans/workbook', form, { path: { product_id: productId }, config })
  },
  planTemplateUrl: (productId: string) =>
    hrefOf('/api/benchmark/products/{product_id}/plan-template', { path: { product_id: productId } }),
  finalisePlan: (planId: string) => post('/api/benchmark/plans/{plan_id}/finalise', undefined, { path: { plan_id: planId } }),
  // 门槛校准: the values enterprises entered when comparing, against the plan's and proposed thresholds.
  // `proposed` items are "code:threshold"; repeated as proposed=…&proposed=… (not proposed[]=…).
  calibration: (planId: string, proposed: string[], topShare: string) =>
    get('/api/benchmark/plans/{plan_id}/calibration', {
      path: { plan_id: planId },
      query: { proposed, top_share: topShare },
      config: { paramsSerializer: { indexes: null } },
    }),
}
