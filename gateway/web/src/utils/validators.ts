import type { FormItemRule } from 'element-plus'

// GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last one
// is a check character computed from the first 17 with these weights.
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function isCreditCode(value: string): boolean {
  const code = value.trim().toUpperCase()
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CREDIT_ALPHABET.indexOf(code[i]) * CREDIT_WEIGHTS[i]
  const check = (31 - (sum % 31)) % 31
  return CREDIT_ALPHABET[check] === code[17]
}

export function isMobile(value: string): boolean {
  return /^1[3-9]\d{9}$/.test(value.trim())
}

/** 等保2.0 rule the platform applies on top of the seed's 6 characters. */
export function passwordProblem(value: string): string | null {
  if (value.length < 8) return '密码至少8位，包含字母和数字'
  if (value.length > 128) return '密码不能超过128位'
  if (!/[A-Za-z]/.test(value) || !/\d/.test(value)) return '密码至少8位，包含字母和数字'
  return null
}

export function isStandardNo(value: string): boolean {
  return /^Q\/[0-9A-Za-z]+\s?[0-9A-Za-z.]*\d[0-9A-Za-z.]*-\d{4}$/.test(value.trim())
}

export function isSmsCode(value: string): boolean {
  return /^\d{6}$/.test(value.trim())
}

type Check = (value: string) => string | null

function rule(check: Check, trigger: string | string[] = 'blur'): FormItemRule {
  return {
    trigger,
    validator: (_r: unknown, value: unknown, cb: (e?: Error) => void) => {
      const problem = check(String(value ?? ''))
      if (problem) cb(new Error(problem))
      else cb()
    },
  }
}

export const rules = {
  required: (label: string, trigger: string | string[] = 'blur'): FormItemRule => ({
    required: true,
    message: `请填写${label}`,
    trigger,
  }),
  choose: (label: string): FormItemRule => ({ required: true, message: `请选择${label}`, trigger: 'change' }),
  creditCode: rule((v) => (isCreditCode(v) ? null : '统一社会信用代码格式不正确，请核对18位代码')),
  mobile: rule((v) => (isMobile(v) ? null : '请输入正确的11位手机号码')),
  optionalMobile: rule((v) => (!v || isMobile(v) ? null : '请输入正确的11位手机号码')),
  smsCode: rule((v) => (isSmsCode(v) ? null : '请输入6位短信验证码')),
  password: rule(passwordProblem),
  standardNo: rule((v) => (isStandardNo(v) ? null : '企业标准号格式不正确，例如 Q/MP 102-2021')),
  email: rule((v) => (!v || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : '请输入正确的电子邮箱')),
  maxLen: (n: number): FormItemRule => ({ max: n, message: `不能超过${n}个字`, trigger: 'blur' }),
}
