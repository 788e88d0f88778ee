import { http, asPage, cleanParams } from './http'

export interface Message {
  id: string
  title: string
  body: string
  read: boolean
  created_at: string
  link?: string | null
  [k: string]: unknown
}

export const notifyApi = {
  messages: (params: Record<string, unknown> = {}) =>
    http.get('/api/notify/messages', { params: cleanParams(params) }).then((r) => {
      const page = asPage<Message>(r.data)
      return { ...page, unread: typeof r.data?.unread === 'number' ? (r.data.unread as number) : undefined }
    }),
  unreadCount: () =>
    http.get('/api/notify/messages/unread-count').then((r) => Number(r.data?.unread ?? r.data?.count ?? 0)),
  markRead: (id: string) => http.post(`/api/notify/messages/${id}/read`),
  readAll: () => http.post('/api/notify/messages/read-all'),
}
