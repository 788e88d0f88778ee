import { get, hrefOf, post, type Filters, type Query } from './client'
import { uploadConfig, type Progress } from './http'
import type { components } from './generated/certificate'

type Schemas = components['schemas']

export type CertificateStatus = Schemas['CertificateStatus']
export type Certificate = Schemas['CertificateOut']
export type Label = Schemas['LabelOut']
export type Verification = Schemas['VerifyOut']
export type FileVerification = Schemas['FileVerifyOut']
export type FileVerdict = Schemas['FileVerdict']
export type CertificateFilters = Filters<Query<'/api/certificates'>>
export type LabelFilters = Filters<Query<'/api/certificates/labels'>>

export const certificatesApi = {
  list: (query: CertificateFilters = {}) => get('/api/certificates', { query }),
  fileUrl: (id: string) => hrefOf('/api/certificates/{certificate_id}/file', { path: { certificate_id: id } }),
  uploadStamped: (id: string, file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return post('/api/certificates/{certificate_id}/stamped', form, {
      path: { certificate_id: id },
      config: uploadConfig(onProgress),
    })
  },
  revoke: (id: string, reason: string) =>
    post('/api/certificates/{certificate_id}/revoke', { reason }, { path: { certificate_id: id } }),
  labels: (query: LabelFilters = {}) => get('/api/certificates/labels', { query }),
  applyLabel: (modelId: string) => post('/api/certificates/labels', { model_id: modelId }),
  labelFileUrl: (id: string) => hrefOf('/api/certificates/labels/{label_id}/file', { path: { label_id: id } }),
  verify: (code: string) => get('/api/certificates/verify/{code}', { path: { code } }),
  /** Checks a PDF in hand: the platform's signature, whether it was altered, and the document's status. */
  verifyFile: (file: File, onProgress?: Progress) => {
    const form = new FormData()
    form.append('file', file)
    return post('/api/certificates/verify/file', form, { config: uploadConfig(onProgress) })
  },
}
