import { http, uploadConfig, type Progress, type Page, asPage, cleanParams } from './http'

export type SmsPurpose = 'register' | 'reset_password' | 'forerunner_auth' | 'unlock_login'

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
  must_change_password?: boolean
}

export interface Me {
  account?: { id?: string; login_name?: string; name?: string; phone?: string; phone_masked?: string }
  organisation?: { id?: string; name?: string; type?: string; credit_code?: string }
  roles?: string[]
  forerunner_verified: boolean
  must_change_password: boolean
  [k: string]: unknown
}

export interface EnterpriseProfile {
  org_id?: string
  name: string
  credit_code: string
  nature?: string | null
  nature_label?: string | null
  contact_name?: string | null
  region_code?: string | null
  phone?: string | null
  email?: string | null
  address?: string | null
  logo_url?: string | null
}

export interface Brand {
  id: string
  name: string
  story?: string
  logo_url?: string | null
}

export interface RecoveryCheck {
  field: string
  label: string
  claimed: string | null
  registered: string | null
  matches: boolean
}

export interface RecoveryRequest {
  id: string
  credit_code: string
  enterprise_name: string
  contact_name: string
  new_phone?: string | null
  reason: string
  status: string
  status_label?: string
  opinion?: string | null
  created_at: string
  decided_at?: string | null
  letter_url?: string | null
  account_found?: boolean | null
  /** What the platform has on file for the named enterprise (phone masked); null when no account. */
  registered?: { name: string; contact_name: string | null; phone_masked: string | null } | null
  checks?: RecoveryCheck[]
  mismatches?: string[]
  new_phone_taken?: boolean
  effective_at?: string | null
  closed_at?: string | null
  closed_via?: string | null
  closed_via_label?: string | null
  [k: string]: unknown
}

export interface OwnRecoveryRequest {
  id: string
  status: string
  status_label: string
  created_at: string
  claimed_name: string
  claimed_contact: string
  new_phone?: string | null
  effective_at?: string | null
}

export interface RecoveryAnswer {
  id: string
  status: string
  status_label: string
}

export const authApi = {
  sendSms: (phone: string, purpose: SmsPurpose, ref?: string) =>
    http.post<{ resend_after: number }>('/api/auth/sms-codes', ref ? { phone, purpose, ref } : { phone, purpose }).then((r) => r.data),
  /** Forerunner authentication codes go to a listed phone the person never sees in clear. */
  sendForerunnerSms: (ref: string) =>
    http.post<{ resend_after: number }>('/api/auth/sms-codes', { purpose: 'forerunner_auth', ref }).then((r) => r.data),
  register: (body: { enterprise_name: string; credit_code: string; contact_name: string; phone: string; sms_code: string }) =>
    http.post<{ login_name: string }>('/api/auth/register', body).then((r) => r.data),
  login: (login_name: string, password: string) =>
    http.post<TokenPair>('/api/auth/login', { login_name, password }).then((r) => r.data),
  logout: () => http.post('/api/auth/logout'),
  me: () => http.get<Me>('/api/auth/me').then((r) => r.data),
  changePassword: (current_password: string, new_password: string) =>
    http.post('/api/auth/password', { current_password, new_password }).then((r) => r.data as Partial<TokenPair> | undefined),
  resetPassword: (body: { login_name: string; phone: string; sms_code: string; new_password: string }) =>
    http.post('/api/auth/password/reset', body),
  /** Ends the login locks and delays of an account with a code sent to its reserved phone. */
  unlockLogin: (body: { login_name: string; phone: string; sms_code: string }) =>
    http.post('/api/auth/login/unlock', body),
  submitRecovery: (form: FormData, onProgress?: Progress) =>
    http.post<{ id: string }>('/api/auth/recovery-requests', form, uploadConfig(onProgress)).then((r) => r.data),
  listRecovery: (params: Record<string, unknown>) =>
    http.get('/api/auth/recovery-requests', { params: cleanParams(params) }).then((r) => asPage<RecoveryRequest>(r.data)),
  decideRecovery: (id: string, approve: boolean, opinion: string) =>
    http.post(`/api/auth/recovery-requests/${id}/decision`, { approve, opinion }),
  getRecovery: (id: string) => http.get<RecoveryRequest>(`/api/auth/recovery-requests/${id}`).then((r) => r.data),
  /** The owner's answer with the code its current phone received: refuse, or let it take effect now. */
  answerRecovery: (kind: 'cancel' | 'confirm', code: string) =>
    http.post<RecoveryAnswer>(`/api/auth/recovery-requests/${kind}`, { code }).then((r) => r.data),
  /** Open requests naming the signed-in enterprise; it may cancel them without the old phone. */
  ownRecovery: () =>
    http
      .get<Page<OwnRecoveryRequest>>('/api/auth/enterprise/recovery-requests', { params: { page_size: 100 } })
      .then((r) => r.data.items),
  cancelOwnRecovery: (id: string) =>
    http.post<RecoveryAnswer>(`/api/auth/enterprise/recovery-requests/${id}/cancel`).then((r) => r.data),
  recoveryLetterUrl: (id: string) => `/api/auth/recovery-requests/${id}/letter`,
  getEnterprise: () => http.get<EnterpriseProfile>('/api/auth/enterprise').then((r) => r.data),
  updateEnterprise: (body: Partial<EnterpriseProfile>) =>
    http.put<EnterpriseProfile>('/api/auth/enterprise', body).then((r) => r.data),
  /** 修改联系电话: a code to the NEW phone, then the current password with that code. */
  sendPhoneChangeSms: (phone: string) =>
    http.post<{ resend_after: number }>('/api/auth/enterprise/phone/sms-code', { phone }).then((r) => r.data),
  changePhone: (body: { current_password: string; new_phone: string; sms_code: string }) =>
    http.post<EnterpriseProfile>('/api/auth/enterprise/phone', body).then((r) => r.data),
  uploadLogo: (file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return http.put('/api/auth/enterprise/logo', form, uploadConfig(onProgress))
  },
  listBrands: () => http.get('/api/auth/enterprise/brands').then((r) => asPage<Brand>(r.data).items),
  createBrand: (form: FormData) => http.post<Brand>('/api/auth/enterprise/brands', form).then((r) => r.data),
  updateBrand: (id: string, form: FormData) => http.put<Brand>(`/api/auth/enterprise/brands/${id}`, form).then((r) => r.data),
  deleteBrand: (id: string) => http.delete(`/api/auth/enterprise/brands/${id}`),
  forerunnerStatus: () =>
    http
      .get<{ eligible: boolean; verified: boolean; message: string; phones: { ref: string; masked: string }[] }>('/api/auth/forerunner-auth')
      .then((r) => r.data),
  forerunnerVerify: (ref: string, sms_code: string) =>
    http.post<TokenPair>('/api/auth/forerunner-auth', { ref, sms_code }).then((r) => r.data),
}
