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

/** The rule the auth service applies (ASVS 5.0: length, the login name and a breached-password list; no
 * composition rule), word for word: the password fields show it as their placeholder and hint. */
export const PASSWORD_RULE = '密码长度 8-128 个字符（中文、全角字符均按 1 个计），不能与登录名相同，不能包含手机号，不能使用常见或已泄露的密码'

/** The same rule, short enough for an input's placeholder. */
export const PASSWORD_PLACEHOLDER = '8-128 个字符，不能是登录名、不含手机号、不用常见密码'

/** Characters as a person counts them (code points after composition), as the service counts them. */
export function passwordLength(value: string): number {
  return [...value.normalize('NFC')].length
}

/** What the portal can check before sending; the breached-password list is the service's to check. */
export function passwordProblem(value: string): string | null {
  const n = passwordLength(value)
  if (n < 8) return '密码不能少于 8 个字符'
  if (n > 128) return '密码不能超过 128 个字符'
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
