import { get, patch, post, type Body, type Filters, type Query } from './client'
import type { components } from './generated/notify'

type Schemas = components['schemas']

export type Message = Schemas['MessageOut']
export type MessageFilters = Filters<Query<'/api/notify/messages'>>

export type WebhookEndpoint = Schemas['EndpointOut']
export type WebhookEndpointCreated = Schemas['EndpointCreated']
export type WebhookDelivery = Schemas['DeliveryOut']
export type WebhookDeliveryDetail = Schemas['DeliveryDetail']
export type WebhookEndpointIn = Body<'/api/notify/webhooks', 'post'>
export type WebhookEndpointPatch = Body<'/api/notify/webhooks/{endpoint_id}', 'patch'>
export type WebhookDeliveryFilters = Filters<Query<'/api/notify/webhooks/{endpoint_id}/deliveries'>>

const message = (id: string) => ({ path: { message_id: id } })
const endpoint = (id: string) => ({ path: { endpoint_id: id } })
const delivery = (id: string, deliveryId: string) => ({ path: { endpoint_id: id, delivery_id: deliveryId } })

export const notifyApi = {
  /** A page of the inbox, with the count of unread messages beside it. */
  messages: (query: MessageFilters = {}) => get('/api/notify/messages', { query }),
  unreadCount: () => get('/api/notify/messages/unread-count').then((r) => r.unread),
  markRead: (id: string) => post('/api/notify/messages/{message_id}/read', undefined, message(id)),
  readAll: () => post('/api/notify/messages/read-all', undefined),
}

/** 事件订阅 (operators): subscriber endpoints and their delivery logs. */
export const webhooksApi = {
  list: (query: { page?: number; page_size?: number } = {}) => get('/api/notify/webhooks', { query }),
  /** The answer carries the signing secret, shown this once. */
  create: (body: WebhookEndpointIn) => post('/api/notify/webhooks', body),
  update: (id: string, body: WebhookEndpointPatch) => patch('/api/notify/webhooks/{endpoint_id}', body, endpoint(id)),
  rotateSecret: (id: string) => post('/api/notify/webhooks/{endpoint_id}/rotate-secret', undefined, endpoint(id)),
  sendTest: (id: string) => post('/api/notify/webhooks/{endpoint_id}/test', undefined, endpoint(id)),
  resume: (id: string) => post('/api/notify/webhooks/{endpoint_id}/resume', undefined, endpoint(id)),
  deliveries: (id: string, query: WebhookDeliveryFilters = {}) =>
    get('/api/notify/webhooks/{endpoint_id}/deliveries', { ...endpoint(id), query }),
  delivery: (id: string, deliveryId: string) =>
    get('/api/notify/webhooks/{endpoint_id}/deliveries/{delivery_id}', delivery(id, deliveryId)),
  redeliver: (id: string, deliveryId: string) =>
    post('/api/notify/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver', undefined, delivery(id, deliveryId)),
}
