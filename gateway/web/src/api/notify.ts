import { get, post, type Filters, type Query } from './client'
import type { components } from './generated/notify'

type Schemas = components['schemas']

export type Message = Schemas['MessageOut']
export type MessageFilters = Filters<Query<'/api/notify/messages'>>

const message = (id: string) => ({ path: { message_id: id } })

export const notifyApi = {
  /** A page of the inbox, with the count of unread messages beside it. */
  messages: (query: MessageFilters = {}) => get('/api/notify/messages', { query }),
  unreadCount: () => get('/api/notify/messages/unread-count').then((r) => r.unread),
  markRead: (id: string) => post('/api/notify/messages/{message_id}/read', undefined, message(id)),
  readAll: () => post('/api/notify/messages/read-all', undefined),
}
