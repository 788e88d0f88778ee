import { describe, expect, it } from 'vitest'
import type { Dashboard, ForerunnerStatistics } from '@/api/statistics'
import { byProvinceOption, funnelOption, heightFor, passRateOption } from './statsCharts'

const dashboard = {
  funnel: {
    stages: [
      { key: 'submitted', label: '已提交' },
      { key: 'published', label: '已发布' },
    ],
    rows: [],
    total: { submitted: 5, agency_passed: 3, group_passed: 2, published: 1 },
    current: [],
  },
  pass_rates: [{ agency_org_id: 'a', agency_name: '机构甲', agency_passed: 2, agency_decided: 3, agency_rate: 2 / 3, group_passed: 0, group_decided: 0, group_rate: null }],
} as unknown as Dashboard

describe('statistics charts', () => {
  it('draws the funnel from the service totals, stage by stage', () => {
    const option = funnelOption(dashboard) as any
    expect(option.xAxis.data).toEqual(['已提交', '已发布'])
    expect(option.series[0].data).toEqual([5, 1])
  })

  it('shows rates as percentages and no bar where nothing was decided', () => {
    const option = passRateOption(dashboard) as any
    expect(option.series.map((s: any) => s.data)).toEqual([[66.7], [null]])
    expect(option.yAxis.max).toBe(100)
  })

  it('lists provinces top down and grows with them', () => {
    const stats = { by_province: [{ province: '北京市', count: 2 }, { province: '未知', count: 1 }] } as unknown as ForerunnerStatistics
    const option = byProvinceOption(stats) as any
    expect(option.yAxis.data).toEqual(['北京市', '未知'])
    expect(option.yAxis.inverse).toBe(true)
    expect(heightFor(20)).toBe('660px')
  })
})
