import { describe, expect, it } from 'vitest'
import type { IndicatorCalibration } from '@/api/benchmark'
import {
  axisOf,
  chartOption,
  decimalsOf,
  proposalOf,
  proposalParam,
  proposalParams,
  proposalThreshold,
  rowFields,
  shareText,
  sliderScale,
  sliderText,
} from './calibration'

function calibration(fields: Partial<IndicatorCalibration> & Pick<IndicatorCalibration, 'code' | 'direction' | 'threshold'>): IndicatorCalibration {
  return {
    name: fields.code,
    unit: '',
    direction_label: '',
    grades: null,
    enterprises: 6,
    hidden: false,
    hidden_reason: null,
    hidden_message: null,
    bins: [],
    quantiles: [],
    current: null,
    proposed_threshold: null,
    proposed: null,
    suggestion: null,
    suggested: null,
    ...fields,
  }
}

const bins = [
  { label: '80~85', count: 1, low: '80', high: '85' },
  { label: '85~90', count: 2, low: '85', high: '90' },
  { label: '90~95', count: 3, low: '90', high: '95' },
]
const down = calibration({ code: 'down', direction: 'higher', threshold: '90', bins, unit: '%' })
const ph = calibration({ code: 'ph', direction: 'range', threshold: { min: '4.0', max: '8.5' }, bins })
const azo = calibration({ code: 'azo', direction: 'bool', threshold: true, bins: [{ label: '是', count: 5, low: null, high: null }, { label: '否', count: 1, low: null, high: null }] })
const grade = calibration({ code: 'fast', direction: 'grade', threshold: '4', grades: ['3', '3-4', '4', '4-5'] })

describe('proposals', () => {
  it('start from the current threshold of each direction', () => {
    expect(proposalOf('90')).toEqual({ value: '90', min: '', max: '' })
    expect(proposalOf({ min: '4.0', max: '8.5' })).toEqual({ value: '', min: '4.0', max: '8.5' })
    expect(proposalOf(true)).toEqual({ value: 'true', min: '', max: '' })
  })

  it('are sent as code:threshold, leaving out incomplete ones', () => {
    expect(proposalParam('down', 'higher', { value: ' 92.5 ', min: '', max: '' })).toBe('down:92.5')
    expect(proposalParam('ph', 'range', { value: '', min: '4.5', max: '8' })).toBe('ph:4.5~8')
    expect(proposalParam('ph', 'range', { value: '', min: '4.5', max: '' })).toBeNull()
    expect(proposalParam('azo', 'bool', { value: 'false', min: '', max: '' })).toBe('azo:否')
    expect(proposalParam('down', 'higher', { value: '', min: '', max: '' })).toBeNull()
    expect(proposalParam('down', 'higher', undefined)).toBeNull()
    const all = { down: proposalOf('91'), ph: { value: '', min: '', max: '' }, azo: proposalOf(true), fast: proposalOf('4-5') }
    expect(proposalParams([down, ph, azo, grade], all)).toEqual(['down:91', 'azo:是', 'fast:4-5'])
  })

  it('turn back into thresholds and editor fields', () => {
    expect(proposalThreshold('range', { value: '', min: '4', max: '9' })).toEqual({ min: '4', max: '9' })
    expect(proposalThreshold('bool', { value: 'false', min: '', max: '' })).toBe(false)
    expect(proposalThreshold('higher', { value: ' ', min: '', max: '' })).toBeNull()
    expect(rowFields('92')).toEqual({ forerunner: '92' })
    expect(rowFields({ min: '4.5', max: '8' })).toEqual({ min: '4.5', max: '8' })
    expect(rowFields(false)).toEqual({ forerunner: 'false' })
    expect(rowFields(null)).toEqual({})
  })
})

describe('the slider', () => {
  it('spans the distribution and the current threshold with a readable step', () => {
    expect(sliderScale(down)).toEqual({ min: 80, max: 95, step: 0.01 })
    const outside = calibration({ code: 'x', direction: 'lower', threshold: '120', bins })
    expect(sliderScale(outside)).toMatchObject({ min: 80, max: 120 })
    expect(sliderScale(ph)).toMatchObject({ min: 4, max: 95, step: 0.01 })
    expect(sliderScale(azo)).toBeNull()
    expect(sliderScale(calibration({ code: 'y', direction: 'higher', threshold: '1', bins: [] }))).toBeNull()
  })

  it('writes values without binary noise', () => {
    expect(decimalsOf(0.01)).toBe(2)
    expect(decimalsOf(1)).toBe(0)
    expect(sliderText(0.1 + 0.2, 0.01)).toBe('0.30')
  })
})

describe('shares and the chart', () => {
  it('writes a share as count and percent', () => {
    expect(shareText({ passing: 3, total: 6, share: 0.5 })).toBe('3 / 6 家（50.0%）')
    expect(shareText(null)).toBe('—')
  })

  it('puts number bins at their centres and marks the current and proposed thresholds', () => {
    const option = chartOption(down, '92') as any
    expect(option.xAxis.type).toBe('value')
    expect(option.series[0].data.map((d: any) => d.value)).toEqual([[82.5, 1], [87.5, 2], [92.5, 3]])
    expect(option.series[0].markLine.data.map((l: any) => [l.xAxis, l.label.formatter])).toEqual([[90, '当前'], [92, '拟定']])
    const range = chartOption(ph, { min: '5', max: '8' }) as any
    expect(range.series[0].markLine.data.map((l: any) => l.xAxis)).toEqual([4, 8.5, 5, 8])
  })

  it('ticks the number axis at the bin edges, widened by whole bins for a threshold outside', () => {
    expect(axisOf(down)).toEqual({ min: 80, max: 95, interval: 5 })
    expect(axisOf(down, '101')).toEqual({ min: 80, max: 105, interval: 5 })
    expect(axisOf(calibration({ code: 'x', direction: 'lower', threshold: '71', bins }))).toEqual({ min: 70, max: 95, interval: 5 })
    expect(axisOf(calibration({ code: 'x', direction: 'lower', threshold: '1000', bins }))).toEqual({ min: 80, max: 1000 })
    const single = calibration({ code: 'x', direction: 'higher', threshold: '5', bins: [{ label: '5', count: 5, low: '5', high: '5' }] })
    expect(axisOf(single)).toEqual({ min: 4.5, max: 5.5 })
    expect(axisOf(azo)).toBeNull()
  })

  it('uses categories for yes/no and grades', () => {
    const option = chartOption(azo, false) as any
    expect(option.xAxis).toEqual({ type: 'category', data: ['是', '否'] })
    expect(option.series[0].markLine.data.map((l: any) => l.xAxis)).toEqual(['是', '否'])
    expect((chartOption(grade, null) as any).series[0].markLine.data.map((l: any) => l.xAxis)).toEqual(['4'])
  })
})
