import { del, get, hrefOf, patch, post, put, type Filters, type Query } from './client'
import { uploadConfig, type Page, type Progress } from './http'
import { storedComparison, verdictOf, type Comparison } from './benchmark'
import type { components } from './generated/declaration'

type Schemas = components['schemas']

export type ListStatus = Schemas['ListStatus']
export type EvidenceStatus = Schemas['EvidenceStatus']
export type ModelInfo = Schemas['ModelOut']
export type ModelInput = Schemas['ModelIn']
export type EvidenceFile = Schemas['EvidenceOut']
/** The 14-day public notice (公示) of a declaration, as the service computes it. */
export type NoticeInfo = Schemas['NoticeBlock']
export type DeclarationAction = Schemas['DeclarationDetail']['actions'][number]
export type DeclarationRow = Schemas['DeclarationRow']
export type DeclarationDetail = Schemas['DeclarationDetail']
export type StarOut = Schemas['StarOut']
/** The star levels an enterprise may declare itself (3 or 4). */
export type StarLevel = Schemas['StarCreate']['star']
export type ReviewRecord = Schemas['ReviewOut']
export type CandidateRow = Schemas['CandidateOut']
export type CandidateImport = Schemas['CandidateImport']
export type NoticeRow = Schemas['PublicNoticeRow']
export type PublishedRow = Schemas['PublishedRow']
export type Objection = Schemas['ObjectionOut']
export type DeclarationFilters = Filters<Query<'/api/declarations'>>
export type CandidateFilters = Filters<Query<'/api/declarations/candidate-lists'>>
export type ObjectionFilters = Filters<Query<'/api/declarations/objections'>>
export type ForerunnerFilters = Filters<Query<'/api/declarations/public/forerunners'>>
export type NoticeFilters = Filters<Query<'/api/declarations/public/notices'>>
export type StarFilters = Filters<Query<'/api/declarations/star-products'>>

/** A declaration with its stored comparison shaped for the result table. */
export interface Declaration extends DeclarationDetail {
  result: Comparison | null
}

/** A star product with its stored comparison shaped for the result table. */
export interface StarProduct extends StarOut {
  result: Comparison | null
}

export function declarationView(d: Schemas['DeclarationDetail']): Declaration {
  return { ...d, result: storedComparison(d.comparison, d.comparison_verdict, d.plan_version) }
}

function starView(s: Schemas['StarOut']): StarProduct {
  return { ...s, result: storedComparison(s.comparison, s.comparison_verdict, s.plan_version) }
}

function starPage(page: Page<Schemas['StarOut']>): Page<StarProduct> {
  return { ...page, items: page.items.map(starView) }
}

const at = (id: string) => ({ path: { declaration_id: id } })
const star = (id: string) => ({ path: { star_id: id } })

export const declarationsApi = {
  list: (query: DeclarationFilters) => get('/api/declarations', { query }),
  get: (id: string) => get('/api/declarations/{declaration_id}', at(id)).then(declarationView),
  create: (body: Schemas['DeclarationCreate']) => post('/api/declarations', body).then(declarationView),
  update: (id: string, body: Schemas['DeclarationPatch']) =>
    patch('/api/declarations/{declaration_id}', body, at(id)).then(declarationView),
  remove: (id: string) => del('/api/declarations/{declaration_id}', at(id)),
  benchmark: (id: string, values: Schemas['BenchmarkIn']['values']) =>
    post('/api/declarations/{declaration_id}/benchmark', { values }, at(id)).then(
      (r) => storedComparison(r.result, verdictOf(r.verdict), r.plan_version)!,
    ),
  saveProducts: (id: string, models: ModelInput[]) =>
    put(
      '/api/declarations/{declaration_id}/products',
      { models: models.map((m) => ({ name: m.name, spec: m.spec, intro: m.intro || null })) },
      at(id),
    ).then(declarationView),
  uploadEvidence: (id: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return post('/api/declarations/{declaration_id}/evidence', form, { ...at(id), config: uploadConfig(onProgress) })
  },
  removeEvidence: (id: string, fileId: string) =>
    del('/api/declarations/{declaration_id}/evidence/{file_id}', { path: { declaration_id: id, file_id: fileId } }),
  submit: (id: string) => post('/api/declarations/{declaration_id}/submit', undefined, at(id)).then(declarationView),
  reviews: (id: string) =>
    get('/api/declarations/{declaration_id}/reviews', { ...at(id), query: { page_size: 100 } }).then((page) => page.items),
  appendModel: (id: string, form: FormData, onProgress?: Progress) =>
    post('/api/declarations/{declaration_id}/models', form, { ...at(id), config: uploadConfig(onProgress) }),

  // Agency
  agencyReview: (id: string, body: Schemas['AgencyReviewIn']) =>
    post('/api/declarations/{declaration_id}/agency-review', body, at(id)).then(declarationView),
  importCandidates: (productId: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('product_id', productId)
    form.append('file', file)
    return post('/api/declarations/candidate-lists', form, { config: uploadConfig(onProgress) })
  },
  candidateTemplateUrl: hrefOf('/api/declarations/candidate-lists/template'),
  candidates: (query: CandidateFilters) => get('/api/declarations/candidate-lists', { query }),
  fixCandidatePhone: (id: string, phone: string) =>
    patch('/api/declarations/candidate-lists/candidates/{candidate_id}', { contact_phone: phone }, { path: { candidate_id: id } }),

  // Working group
  groupReview: (id: string, body: Schemas['GroupReviewIn']) =>
    post('/api/declarations/{declaration_id}/group-review', body, at(id)).then(declarationView),
  objections: (query: ObjectionFilters) => get('/api/declarations/objections', { query }),
  resolveObjection: (id: string, body: Schemas['ResolutionIn']) =>
    post('/api/declarations/objections/{objection_id}/resolution', body, { path: { objection_id: id } }),

  // Public
  publicForerunners: (query: ForerunnerFilters) => get('/api/declarations/public/forerunners', { query }),
  /** The years that have a published forerunner list, newest first. */
  publicForerunnerYears: () =>
    get('/api/declarations/public/forerunners', { query: { page_size: 1 } }).then((page) => page.years),
  publicNotices: (query: NoticeFilters = {}) => get('/api/declarations/public/notices', { query }),
  object: (noticeId: string, body: Schemas['ObjectionIn']) =>
    post('/api/declarations/public/notices/{notice_id}/objections', body, { path: { notice_id: noticeId } }),

  // Star products
  starProducts: (query: StarFilters) => get('/api/declarations/star-products', { query }).then(starPage),
  starProduct: (id: string) => get('/api/declarations/star-products/{star_id}', star(id)).then(starView),
  createStar: (body: Schemas['StarCreate']) => post('/api/declarations/star-products', body).then(starView),
  updateStar: (id: string, body: Schemas['StarPatch']) =>
    patch('/api/declarations/star-products/{star_id}', body, star(id)).then(starView),
  benchmarkStar: (id: string, values: Schemas['StarBenchmarkIn']['values'], stars: StarLevel) =>
    post('/api/declarations/star-products/{star_id}/benchmark', { values, star: stars }, star(id)).then(starView),
  submitStar: (id: string) => post('/api/declarations/star-products/{star_id}/submit', undefined, star(id)).then(starView),
}
