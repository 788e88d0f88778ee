import { http, asPage, cleanParams, uploadConfig, type Page, type Progress } from './http'

export interface Picture {
  id: string
  url: string
  thumb_url?: string
  width?: number
  height?: number
  size?: number
}

export interface PromotionSummary {
  model_id: string
  source: string
  source_label: string
  star: number
  product_id?: string | null
  product_name: string
  field: string
  name: string
  model: string
  standard_no?: string | null
  status: 'unlisted' | 'listed' | 'withdrawn' | string
  status_label: string
  withdrawn_reason?: string | null
  complete: boolean
  missing: { code: string; label: string }[]
  picture_count: number
  brand_id?: string | null
  brand_name?: string | null
  listed_at?: string | null
  updated_at: string
}

export interface Promotion extends PromotionSummary {
  introduction: string
  pictures: Picture[]
  intro_pictures: Picture[]
  brands: MallBrand[]
}

export interface MallBrand {
  id: string
  name: string
  story: string
  has_logo: boolean
  logo_url?: string | null
}

export interface MallProduct {
  id: string
  source: string
  source_label?: string
  star: number
  product_id?: string | null
  product_name: string
  field: string
  name: string
  model: string
  enterprise_name: string
  region_code?: string | null
  brand_name?: string | null
  cover_url?: string | null
  cover_thumb_url?: string | null
  listed_at?: string | null
  standard_no?: string | null
  standard_name?: string | null
  group_standard?: string | null
  introduction?: string
  pictures?: Picture[]
  brand?: MallBrand | null
  indicators?: { code: string; name: string; unit?: string; value?: unknown; forerunner?: unknown; direction?: string; star_reached?: number | null }[]
  certificate?: { verify_code: string; verify_url: string } | null
  label?: { verify_code: string; verify_url: string } | null
}

export interface Category {
  field: string
  count: number
  products: { product_id: string; code: string; name: string; year?: number | null; count: number }[]
}

export const mallApi = {
  promotions: (params: Record<string, unknown>) =>
    http.get('/api/mall/promotions', { params: cleanParams(params) }).then((r) => asPage<PromotionSummary>(r.data)),
  promotion: (modelId: string) => http.get<Promotion>(`/api/mall/promotions/${modelId}`).then((r) => r.data),
  savePromotion: (modelId: string, body: { introduction: string; brand_id: string | null }) =>
    http.put<Promotion>(`/api/mall/promotions/${modelId}`, body).then((r) => r.data),
  uploadPicture: (modelId: string, file: File, onProgress?: Progress, kind?: 'intro') => {
    const form = new FormData()
    form.append('file', file)
    return http
      .post<Picture>(`/api/mall/promotions/${modelId}/pictures`, form, { ...uploadConfig(onProgress), params: kind ? { kind } : undefined })
      .then((r) => r.data)
  },
  removePicture: (modelId: string, pictureId: string) => http.delete(`/api/mall/promotions/${modelId}/pictures/${pictureId}`),
  list: (modelId: string) => http.post(`/api/mall/promotions/${modelId}/list`).then((r) => r.data),
  unlist: (modelId: string) => http.post(`/api/mall/promotions/${modelId}/unlist`).then((r) => r.data),
  categories: () =>
    http.get<Page<Category>>('/api/mall/categories', { params: { page_size: 100 } }).then((r) => r.data.items),
  products: (params: Record<string, unknown>) =>
    http.get('/api/mall/products', { params: cleanParams(params) }).then((r) => asPage<MallProduct>(r.data)),
  product: (id: string) => http.get<MallProduct>(`/api/mall/products/${id}`).then((r) => r.data),
}
