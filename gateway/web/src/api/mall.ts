import { http, asPage, cleanParams, uploadConfig, type Progress } from './http'

export interface Picture {
  id: string
  url: string
  thumbnail_url?: string
}

export interface Promotion {
  model_id: string
  model?: string
  product_name?: string
  introduction: string
  brand_id?: string | null
  pictures: Picture[]
  complete?: boolean
  listed?: boolean
  missing?: string[]
  [k: string]: unknown
}

export interface MallProduct {
  id: string
  model_id?: string
  name: string
  model?: string
  enterprise_name?: string
  brand_name?: string
  brand_logo_url?: string | null
  brand_story?: string | null
  category?: string
  field?: string
  product_name?: string
  star: number
  source?: string
  region?: string
  cover_url?: string | null
  pictures?: Picture[]
  introduction?: string
  standard_no?: string
  standard_name?: string
  certificate_number?: string | null
  verify_code?: string | null
  indicators?: { name: string; value: unknown; unit?: string | null }[]
  [k: string]: unknown
}

export interface Category {
  field: string
  products: { id?: string; name: string; count?: number }[]
}

export const mallApi = {
  promotion: (modelId: string) => http.get<Promotion>(`/api/mall/promotions/${modelId}`).then((r) => r.data),
  savePromotion: (modelId: string, body: { introduction: string; brand_id: string | null }) =>
    http.put<Promotion>(`/api/mall/promotions/${modelId}`, body).then((r) => r.data),
  uploadPicture: (modelId: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<Picture>(`/api/mall/promotions/${modelId}/pictures`, form, uploadConfig(onProgress)).then((r) => r.data)
  },
  removePicture: (modelId: string, pictureId: string) => http.delete(`/api/mall/promotions/${modelId}/pictures/${pictureId}`),
  list: (modelId: string) => http.post(`/api/mall/promotions/${modelId}/list`).then((r) => r.data),
  unlist: (modelId: string) => http.post(`/api/mall/promotions/${modelId}/unlist`).then((r) => r.data),
  categories: () => http.get('/api/mall/categories').then((r) => asPage<Category>(r.data).items),
  products: (params: Record<string, unknown>) =>
    http.get('/api/mall/products', { params: cleanParams(params) }).then((r) => asPage<MallProduct>(r.data)),
  product: (id: string) => http.get<MallProduct>(`/api/mall/products/${id}`).then((r) => r.data),
}
