import { http, asPage, cleanParams, uploadConfig, type Progress } from './http'

export interface Certificate {
  id: string
  number: string
  declaration_id?: string
  enterprise_name?: string
  standard_no?: string
  standard_name?: string
  product_name?: string
  year?: number
  agency_name?: string
  issued_at?: string
  valid_until?: string
  status: string
  status_label?: string
  stamped?: boolean
  models?: { model_id: string; name: string; spec: string; appended: boolean; id: string; model: string }[]
  verify_url?: string
  key_field_product?: string
  credit_code?: string
  end_reason?: string | null
  [k: string]: unknown
}

export interface Label {
  id: string
  number: string
  certificate_id?: string
  declaration_id?: string
  model: string
  model_id: string
  kind: 'forerunner' | 'star' | string
  kind_label?: string
  verify_url?: string
  star?: number | null
  standard_no?: string
  product_name?: string
  status?: string
  created_at?: string
  [k: string]: unknown
}

export interface Verification {
  kind?: 'certificate' | 'forerunner_label' | 'star_label' | string | null
  kind_label?: string | null
  key_field_product?: string | null
  certificate_number?: string | null
  ended_at?: string | null
  number: string
  status: 'valid' | 'revoked' | 'expired' | string
  status_label?: string
  enterprise_name?: string
  standard_no?: string
  standard_name?: string
  product_name?: string
  model?: string
  year?: number
  star?: number | null
  agency_name?: string
  issued_at?: string
  valid_until?: string
  revoked_reason?: string | null
  [k: string]: unknown
}

export const certificatesApi = {
  list: (params: Record<string, unknown> = {}) =>
    http.get('/api/certificates', { params: cleanParams(params) }).then((r) => asPage<Certificate>(r.data)),
  fileUrl: (id: string) => `/api/certificates/${id}/file`,
  uploadStamped: (id: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return http.post(`/api/certificates/${id}/stamped`, form, uploadConfig(onProgress)).then((r) => r.data)
  },
  revoke: (id: string, reason: string) => http.post(`/api/certificates/${id}/revoke`, { reason }).then((r) => r.data),
  labels: (params: Record<string, unknown> = {}) =>
    http.get('/api/certificates/labels', { params: cleanParams(params) }).then((r) => asPage<Label>(r.data)),
  applyLabel: (modelId: string) => http.post<Label>('/api/certificates/labels', { model_id: modelId }).then((r) => r.data),
  labelFileUrl: (id: string) => `/api/certificates/labels/${id}/file`,
  verify: (code: string) => http.get<Verification>(`/api/certificates/verify/${encodeURIComponent(code)}`).then((r) => r.data),
}
