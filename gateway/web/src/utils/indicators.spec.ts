import { describe, expect, it } from 'vitest'
import type { Indicator } from '@/api/benchmark'
import { asThreshold, basisText, requirement, thresholdFor, valuePayload, valueProblem } from './indicators'

function indicator(fields: Partial<Indicator> & Pick<Indicator, 'code' | 'name' | 'direction' | 'forerunner'>): Indicator {
  return { unit: '', direction_label: '', grades: null, lower_bound: null, upper_bound: null, stars: null, ...fields }
}

const energy = indicator({ code: 'energy', name: '耗电量', unit: 'kWh/24h', direction: 'lower', forerunner: '0.50', stars: ['1.00', '0.85', '0.70', '0.60', '0.50'] })
const ph = indicator({ code: 'ph', name: 'pH值', direction: 'range', forerunner: { min: '4.0', max: '8.5' } })
const safe = indicator({ code: 'safe', name: '无异味', direction: 'bool', forerunner: true })

describe('requirements in words', () => {
  it('writes each direction as a person reads it', () => {
    expect(requirement(energy, energy.forerunner)).toBe('≤ 0.50 kWh/24h')
    expect(requirement({ direction: 'higher', unit: '%' }, '90')).toBe('≥ 90 %')
    expect(requirement(ph, ph.forerunner)).toBe('4.0～8.5')
    expect(requirement(safe, true)).toBe('是')
    expect(requirement({ direction: 'grade' }, '4')).toBe('不低于 4 级')
  })
  it('reads only the threshold shapes the service writes', () => {
    expect(asThreshold({ min: 1, max: '2' })).toEqual({ min: '1', max: '2' })
    expect(asThreshold({ min: 1 })).toBeNull()
    expect(asThreshold(['1'])).toBeNull()
    expect(requirement(energy, undefined)).toBe('—')
  })
  it('takes a star level threshold when asked', () => {
    expect(thresholdFor(energy, 4)).toBe('0.60')
    expect(thresholdFor(energy)).toBe('0.50')
  })
})

describe('values', () => {
  it('asks for numbers where numbers are compared', () => {
    expect(valueProblem(energy, '')).toMatch('请填写')
    expect(valueProblem(energy, 'abc')).toMatch('请填写数字')
    expect(valueProblem(energy, '0.45')).toBeNull()
    expect(valueProblem(safe, 'true')).toBeNull()
  })
  it('sends yes/no as booleans and decimals as typed', () => {
    expect(valuePayload([energy, safe], { energy: ' 0.10 ', safe: 'false' })).toEqual({ energy: '0.10', safe: false })
  })
})

describe('the basis of a comparison', () => {
  it('is worded alike in the header and in the result', () => {
    expect(basisText('质量分级标准', 1)).toBe('质量分级标准（第 1 版）')
    expect(basisText('评估方案', 2)).toBe('评估方案（第 2 版）')
    expect(basisText('评估方案', null)).toBe('评估方案')
  })
})
