import { del, get, hrefOf, post, put, type Filters, type Query } from './client'
import { uploadConfig, type Progress } from './http'
import type { components } from './generated/auth'

type Schemas = components['schemas']

export type SmsPurpose = Schemas['SmsPurpose']
export type EnterpriseNature = Schemas['EnterpriseNature']
export type TokenPair = Schemas['TokensOut']
export type Me = Schemas['MeOut']
export type EnterpriseProfile = Schemas['EnterpriseOut']
export type EnterpriseUpdate = Schemas['EnterpriseIn']
export type Brand = Schemas['BrandOut']
export type RecoveryCheck = Schemas['RecoveryCheck']
export type RecoveryRequest = Schemas['RecoveryOut']
export type OwnRecoveryRequest = Schemas['OwnRecoveryOut']
export type RecoveryAnswer = Schemas['RecoveryAnswerOut']
export type ForerunnerStatus = Schemas['ForerunnerStatusOut']
export type RecoveryFilters = Filters<Query<'/api/auth/recovery-requests'>>
export type ApiKey = Schemas['ApiKeyOut']
export type ApiKeyIssued = Schemas['ApiKeyIssued']
export type ApiKeyIn = Schemas['ApiKeyIn']

export const authApi = {
  sendSms: (phone: string, purpose: SmsPurpose, ref?: string) =>
    post('/api/auth/sms-codes', ref ? { phone, purpose, ref } : { phone, purpose }),
  /** Forerunner authentication codes go to a listed phone the person never sees in clear. */
  sendForerunnerSms: (ref: string) => post('/api/auth/sms-codes', { purpose: 'forerunner_auth', ref }),
  register: (body: Schemas['RegisterIn']) => post('/api/auth/register', body),
  login: (login_name: string, password: string) => post('/api/auth/login', { login_name, password }),
  logout: () => post('/api/auth/logout', undefined),
  me: () => get('/api/auth/me'),
  changePassword: (current_password: string, new_password: string) =>
    post('/api/auth/password', { current_password, new_password }),
  resetPassword: (body: Schemas['PasswordResetIn']) => post('/api/auth/password/reset', body),
  /** Ends the login locks and delays of an account with a code sent to its reserved phone. */
  unlockLogin: (body: Schemas['LoginUnlockIn']) => post('/api/auth/login/unlock', body),
  submitRecovery: (form: FormData, onProgress?: Progress) =>
    post('/api/auth/recovery-requests', form, { config: uploadConfig(onProgress) }),
  listRecovery: (query: RecoveryFilters) => get('/api/auth/recovery-requests', { query }),
  decideRecovery: (id: string, approve: boolean, opinion: string) =>
    post('/api/auth/recovery-requests/{request_id}/decision', { approve, opinion }, { path: { request_id: id } }),
  getRecovery: (id: string) => get('/api/auth/recovery-requests/{request_id}', { path: { request_id: id } }),
  /** The owner's answer with the code its current phone received: refuse, or let it take effect now. */
  answerRecovery: (kind: 'cancel' | 'confirm', code: string) =>
    kind === 'cancel'
      ? post('/api/auth/recovery-requests/cancel', { code })
      : post('/api/auth/recovery-requests/confirm', { code }),
  /** Open requests naming the signed-in enterprise; it may cancel them without the old phone. */
  ownRecovery: () => get('/api/auth/enterprise/recovery-requests', { query: { page_size: 100 } }).then((page) => page.items),
  cancelOwnRecovery: (id: string) =>
    post('/api/auth/enterprise/recovery-requests/{request_id}/cancel', undefined, { path: { request_id: id } }),
  recoveryLetterUrl: (id: string) =>
    hrefOf('/api/auth/recovery-requests/{request_id}/letter', { path: { request_id: id } }),
  getEnterprise: () => get('/api/auth/enterprise'),
  updateEnterprise: (body: EnterpriseUpdate) => put('/api/auth/enterprise', body),
  /** 修改联系电话: a code to the NEW phone, then the current password with that code. */
  sendPhoneChangeSms: (phone: string) => post('/api/auth/enterprise/phone/sms-code', { phone }),
  changePhone: (body: Schemas['PhoneChangeIn']) => post('/api/auth/enterprise/phone', body),
  uploadLogo: (file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return put('/api/auth/enterprise/logo', form, { config: uploadConfig(onProgress) })
  },
  listBrands: () => get('/api/auth/enterprise/brands').then((page) => page.items),
  createBrand: (form: FormData) => post('/api/auth/enterprise/brands', form),
  updateBrand: (id: string, form: FormData) =>
    put('/api/auth/enterprise/brands/{brand_id}', form, { path: { brand_id: id } }),
  deleteBrand: (id: string) => del('/api/auth/enterprise/brands/{brand_id}', { path: { brand_id: id } }),
  /** 开放数据接口密钥 (operators): the key itself is in the issue answer only. */
  listApiKeys: () => get('/api/auth/api-keys', { query: { page_size: 100 } }).then((page) => page.items),
  issueApiKey: (body: ApiKeyIn) => post('/api/auth/api-keys', body),
  revokeApiKey: (id: string) => del('/api/auth/api-keys/{key_id}', { path: { key_id: id } }),
  forerunnerStatus: () => get('/api/auth/forerunner-auth'),
  forerunnerVerify: (ref: string, sms_code: string) => post('/api/auth/forerunner-auth', { ref, sms_code }),
}
