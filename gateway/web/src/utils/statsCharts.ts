// Chart options of the dashboard (数据看板) and the public statistics (统计数据), built from the service's
// numbers only: nothing here counts or computes a rate, it only lays the numbers out.
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, PieSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { Dashboard, ForerunnerStatistics } from '@/api/statistics'

export type StatsOption = ComposeOption<
  BarSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

const COLORS = ['#1f5fa8', '#3aa675', '#e6a23c', '#d9534f', '#8e6bbf', '#4fb3c8', '#98a2b3']

function bars(categories: string[], series: { name: string; data: (number | null)[] }[], opts: { horizontal?: boolean; percent?: boolean } = {}): StatsOption {
  const category = { type: 'category' as const, data: categories, axisLabel: { interval: 0, overflow: 'break' as const, width: opts.horizontal ? 100 : 64 } }
  const value = {
    type: 'value' as const,
    minInterval: opts.percent ? undefined : 1,
    max: opts.percent ? 100 : undefined,
    axisLabel: opts.percent ? { formatter: '{value}%' } : undefined,
  }
  return {
    color: COLORS,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: series.length > 1 ? { top: 0, type: 'scroll' } : undefined,
    grid: { left: 8, right: 24, top: series.length > 1 ? 40 : 24, bottom: 8, containLabel: true },
    xAxis: opts.horizontal ? value : category,
    yAxis: opts.horizontal ? { ...category, inverse: true } : value,
    series: series.map((s) => ({ type: 'bar', name: s.name, data: s.data, barMaxWidth: 36, label: { show: true, position: opts.horizontal ? 'right' : 'top', formatter: opts.percent ? '{c}%' : '{c}' } })),
  }
}

function pie(items: { name: string; value: number }[]): StatsOption {
  return {
    color: COLORS,
    tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
    legend: { bottom: 0, type: 'scroll' },
    series: [{ type: 'pie', radius: ['35%', '62%'], center: ['50%', '45%'], data: items, label: { formatter: '{b}\n{c}' } }],
  }
}

/** 申报漏斗: one bar group per stage, all fields together (the table below the chart lists them per field). */
export function funnelOption(d: Dashboard): StatsOption {
  const f = d.funnel
  return bars(f.stages.map((s) => s.label), [{ name: '申报数', data: f.stages.map((s) => f.total[s.key as keyof typeof f.total]) }])
}

/** 当前名单状态: how many declarations are in each 名单状态 now. */
export function currentOption(d: Dashboard): StatsOption {
  const rows = d.funnel.current.filter((c) => c.count > 0 || c.list_status !== 'draft')
  return bars(rows.map((c) => c.label), [{ name: '当前数量', data: rows.map((c) => c.count) }], { horizontal: true })
}

function percent(rate: number | null | undefined): number | null {
  return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10
}

export function passRateOption(d: Dashboard): StatsOption {
  return bars(
    d.pass_rates.map((r) => r.agency_name || '—'),
    [
      { name: '评估机构审核通过率', data: d.pass_rates.map((r) => percent(r.agency_rate)) },
      { name: '工作组审核通过率', data: d.pass_rates.map((r) => percent(r.group_rate)) },
    ],
    { percent: true },
  )
}

export function reviewTimeOption(d: Dashboard): StatsOption {
  const rows = d.review_times.rows
  return bars(rows.map((r) => r.agency_name || '—'), [
    { name: '中位数（小时）', data: rows.map((r) => r.p50_hours) },
    { name: 'P90（小时）', data: rows.map((r) => r.p90_hours) },
  ])
}

export function noticeOption(d: Dashboard): StatsOption {
  const names = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']
  return bars(d.notices.days.map((day, i) => `${names[i]}\n${day.date.slice(5)}`), [{ name: '结束的公示', data: d.notices.days.map((day) => day.count) }])
}

export function objectionOption(d: Dashboard): StatsOption {
  const o = d.objections.by_notice
  return bars(o.map((e) => e.product_name || e.notice_id.slice(0, 8)), [
    { name: '待处理', data: o.map((e) => e.open) },
    { name: '异议成立', data: o.map((e) => e.upheld) },
    { name: '异议不成立', data: o.map((e) => e.dismissed) },
  ])
}

export function certificateOption(d: Dashboard): StatsOption {
  return bars(d.certificates.months.map((m) => m.month), [{ name: '到期证书', data: d.certificates.months.map((m) => m.count) }])
}

export function byFieldOption(s: ForerunnerStatistics): StatsOption {
  return pie(s.by_field.map((r) => ({ name: r.field || '未分类', value: r.count })))
}

export function byYearOption(s: ForerunnerStatistics): StatsOption {
  return bars(s.by_year.map((r) => `${r.year}年度`), [{ name: '领跑者数', data: s.by_year.map((r) => r.count) }])
}

export function byProvinceOption(s: ForerunnerStatistics): StatsOption {
  return bars(s.by_province.map((r) => r.province), [{ name: '领跑者数', data: s.by_province.map((r) => r.count) }], { horizontal: true })
}

/** A horizontal chart grows with its rows so that no label is squeezed out. */
export function heightFor(rows: number, base = 260): string {
  return `${Math.max(base, rows * 30 + 60)}px`
}
