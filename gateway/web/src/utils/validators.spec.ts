import { describe, expect, it } from 'vitest'
import { PASSWORD_RULE, isCreditCode, isMobile, isStandardNo, passwordLength, passwordProblem } from './validators'

describe('统一社会信用代码', () => {
  it('accepts codes whose check character matches', () => {
    expect(isCreditCode('91350100M000100Y43')).toBe(true)
  })
  it('refuses a wrong check character, a wrong length and forbidden letters', () => {
    expect(isCreditCode('91350100M000100Y44')).toBe(false)
    expect(isCreditCode('91350100M000100Y4')).toBe(false)
    expect(isCreditCode('91350100I000100Y43')).toBe(false)
  })
})

describe('password rule', () => {
  it('asks for 8 to 128 characters and nothing about their kind', () => {
    expect(passwordProblem('abc12345')).toBeNull()
    expect(passwordProblem('abcdefgh')).toBeNull()
    expect(passwordProblem('12345678')).toBeNull()
    expect(passwordProblem('abc1234')).toMatch('不能少于 8 个字符')
  })
  it('counts Chinese, full-width and astral characters as one each', () => {
    expect(passwordLength('领跑者标准质量分级')).toBe(9)
    expect(passwordProblem('领跑者标准质量分级')).toBeNull()
    expect(passwordProblem('Ｌｉｎｇｐａｏ２')).toBeNull()
    expect(passwordProblem('𠀀𠀀𠀀𠀀𠀀𠀀𠀀')).toMatch('不能少于') // 7 characters, 14 UTF-16 units
    expect(passwordProblem('字'.repeat(128))).toBeNull()
    expect(passwordProblem('字'.repeat(129))).toMatch('不能超过')
  })
  it('states the rule the service applies', () => {
    expect(PASSWORD_RULE).toContain('8-128 个字符')
    expect(PASSWORD_RULE).not.toContain('字母和数字')
  })
})

describe('phones and standard numbers', () => {
  it('takes mainland mobiles only', () => {
    expect(isMobile('13812345678')).toBe(true)
    expect(isMobile('12812345678')).toBe(false)
    expect(isMobile('1381234567')).toBe(false)
  })
  it('recognises enterprise standard numbers', () => {
    expect(isStandardNo('Q/MP 102-2021')).toBe(true)
    expect(isStandardNo('Q/320500ABC 001S-2023')).toBe(true)
    expect(isStandardNo('GB 12021-2015')).toBe(false)
    expect(isStandardNo('Q/MP 102')).toBe(false)
  })
})
