import { del, get, post, put, type Filters, type Query } from './client'
import { uploadConfig, type Progress } from './http'
import type { components } from './generated/mall'

type Schemas = components['schemas']

export type ListingStatus = Schemas['ListingStatus']
export type Picture = Schemas['PictureOut']
export type PromotionSummary = Schemas['PromotionSummary']
export type Promotion = Schemas['PromotionOut']
export type MallBrand = Schemas['BrandOut']
export type CatalogueItem = Schemas['CatalogueItem']
export type MallProduct = Schemas['ProductDetail']
export type Category = Schemas['CategoryField']
export type PromotionFilters = Filters<Query<'/api/mall/promotions'>>
export type CatalogueFilters = Filters<Query<'/api/mall/products'>>

const model = (id: string) => ({ path: { model_id: id } })

export const mallApi = {
  promotions: (query: PromotionFilters) => get('/api/mall/promotions', { query }),
  promotion: (modelId: string) => get('/api/mall/promotions/{model_id}', model(modelId)),
  savePromotion: (modelId: string, body: Schemas['PromotionIn']) => put('/api/mall/promotions/{model_id}', body, model(modelId)),
  uploadPicture: (modelId: string, file: File, onProgress?: Progress, kind?: 'intro') => {
    const form = new FormData()
    form.append('file', file)
    return post('/api/mall/promotions/{model_id}/pictures', form, {
      ...model(modelId),
      query: kind ? { kind } : undefined,
      config: uploadConfig(onProgress),
    })
  },
  removePicture: (modelId: string, pictureId: string) =>
    del('/api/mall/promotions/{model_id}/pictures/{picture_id}', { path: { model_id: modelId, picture_id: pictureId } }),
  list: (modelId: string) => post('/api/mall/promotions/{model_id}/list', undefined, model(modelId)),
  unlist: (modelId: string) => post('/api/mall/promotions/{model_id}/unlist', undefined, model(modelId)),
  categories: () => get('/api/mall/categories', { query: { page_size: 100 } }).then((page) => page.items),
  products: (query: CatalogueFilters) => get('/api/mall/products', { query }),
  product: (id: string) => get('/api/mall/products/{model_id}', model(id)),
}
