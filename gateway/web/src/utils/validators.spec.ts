import { describe, expect, it } from 'vitest'
import { isCreditCode, isMobile, isStandardNo, passwordProblem } from './validators'

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
  it('asks for 8 characters with letters and digits', () => {
    expect(passwordProblem('abc12345')).toBeNull()
    expect(passwordProblem('abc1234')).toMatch('至少8位')
    expect(passwordProblem('abcdefgh')).toMatch('字母和数字')
    expect(passwordProblem('12345678')).toMatch('字母和数字')
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
