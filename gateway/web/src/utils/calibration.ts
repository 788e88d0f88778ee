// The threshold calibrator's view logic (门槛校准): what the agency proposes per indicator, how it is sent,
// the slider's scale, the share sentences and the chart. The numbers themselves come from the benchmark
// service (it alone sees the values enterprises entered); nothing here counts enterprises.
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption } from 'echarts/charts'
import type { GridComponentOption, MarkLineComponentOption, TooltipComponentOption } from 'echarts/components'
import type { IndicatorCalibration, Share, Threshold } from '@/api/benchmark'
import { asThreshold } from './indicators'

export type ChartOption = ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption | MarkLineComponentOption>

/** A proposed threshold as the panel's inputs hold it: `value` for one number, a grade or 'true'/'false';
 *  `min`/`max` for a range. */
export interface Proposal {
  value: string
  min: string
  max: string
}

export type Numeric = 'higher' | 'lower' | 'range'

export function isNumeric(direction: string): direction is Numeric {
  return direction === 'higher' || direction === 'lower' || direction === 'range'
}

/** A proposal holding the given threshold (the plan's current one to start with). */
export function proposalOf(threshold: Threshold | undefined): Proposal {
  const t = asThreshold(threshold)
  if (t && typeof t === 'object') return { value: '', min: String(t.min), max: String(t.max) }
  if (typeof t === 'boolean') return { value: String(t), min: '', max: '' }
  return { value: t ?? '', min: '', max: '' }
}

/** The proposal as the calibration route reads it ("code:threshold"), or null while it is incomplete. */
export function proposalParam(code: string, direction: string, p: Proposal | undefined): string | null {
  if (!p) return null
  if (direction === 'range') {
    const min = p.min.trim()
    const max = p.max.trim()
    return min && max ? `${code}:${min}~${max}` : null
  }
  if (direction === 'bool') return p.value === 'true' || p.value === 'false' ? `${code}:${p.value === 'true' ? '是' : '否'}` : null
  const v = p.value.trim()
  return v ? `${code}:${v}` : null
}

/** The proposed thresholds of every indicator, in the order of the plan, leaving out incomplete ones. */
export function proposalParams(indicators: Pick<IndicatorCalibration, 'code' | 'direction'>[], proposals: Record<string, Proposal>): string[] {
  return indicators.map((i) => proposalParam(i.code, i.direction, proposals[i.code])).filter((p): p is string => p !== null)
}

function numbers(t: Threshold | undefined): number[] {
  const v = asThreshold(t)
  if (v && typeof v === 'object') return [Number(v.min), Number(v.max)]
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return [Number(v)]
  return []
}

/** The slider's scale: the distribution's extent widened to take in the current threshold, with a step of
 *  about a thousandth of it (a power of ten). Null for grades and yes/no, and when there are no bins. */
export function sliderScale(i: Pick<IndicatorCalibration, 'direction' | 'bins' | 'threshold'>): { min: number; max: number; step: number } | null {
  if (!isNumeric(i.direction) || !i.bins.length) return null
  const edges = i.bins.flatMap((b) => [b.low, b.high]).filter((e): e is string => e !== null).map(Number)
  const all = [...edges, ...numbers(i.threshold)]
  let min = Math.min(...all)
  let max = Math.max(...all)
  if (min === max) {
    min -= 1
    max += 1
  }
  const step = 10 ** Math.floor(Math.log10((max - min) / 1000))
  // snap to the step so the slider's ends are values people can read
  return { min: Math.floor(min / step) * step, max: Math.ceil(max / step) * step, step }
}

/** Decimal places of a step (0.01 → 2), to write slider values without binary noise. */
export function decimalsOf(step: number): number {
  return step >= 1 ? 0 : Math.round(-Math.log10(step))
}

export function sliderText(value: number, step: number): string {
  return value.toFixed(decimalsOf(step))
}

/** “3 / 6 家（50.0%）”, or “—” when there is no share. */
export function shareText(s: Share | null | undefined): string {
  if (!s) return '—'
  return `${s.passing} / ${s.total} 家（${(s.share * 100).toFixed(1)}%）`
}

/** The editor row's threshold fields for a threshold (a suggestion or the proposal): the single value, or
 *  the range's bounds; yes/no as 'true'/'false' like the editor's select. */
export function rowFields(threshold: Threshold | undefined): { forerunner?: string; min?: string; max?: string } {
  const t = asThreshold(threshold)
  if (t === null || t === undefined) return {}
  if (typeof t === 'object') return { min: String(t.min), max: String(t.max) }
  return { forerunner: String(t) }
}

/** The threshold a proposal stands for, in the service's shape (for applying it to the editor row). */
export function proposalThreshold(direction: string, p: Proposal): Threshold {
  if (direction === 'range') return p.min.trim() && p.max.trim() ? { min: p.min.trim(), max: p.max.trim() } : null
  if (direction === 'bool') return p.value === 'true' ? true : p.value === 'false' ? false : null
  return p.value.trim() || null
}

function lines(direction: string, t: Threshold | undefined, name: string, color: string, dashed: boolean) {
  const style = { color, type: dashed ? ('dashed' as const) : ('solid' as const), width: 2 }
  const label = { formatter: name, color, position: 'end' as const }
  if (isNumeric(direction)) return numbers(t).map((x) => ({ xAxis: x, lineStyle: style, label }))
  const v = asThreshold(t)
  if (v === null || v === undefined || typeof v === 'object') return []
  const category = typeof v === 'boolean' ? (v ? '是' : '否') : v
  return [{ xAxis: category, lineStyle: style, label }]
}

/** The chart's value axis: the bins' edges as ticks (one per bin width), widened by whole bins to take in the
 *  thresholds marked; null when there are no number bins. */
export function axisOf(
  i: Pick<IndicatorCalibration, 'direction' | 'bins' | 'threshold'>,
  proposed?: Threshold,
): { min: number; max: number; interval?: number } | null {
  const edges = i.bins.filter((b) => b.low !== null && b.high !== null)
  if (!isNumeric(i.direction) || !edges.length) return null
  const low = Number(edges[0].low)
  const high = Number(edges[edges.length - 1].high)
  const width = Number(edges[0].high) - low
  const marks = [...numbers(i.threshold), ...numbers(proposed ?? null)]
  const lowest = Math.min(low, ...marks)
  const highest = Math.max(high, ...marks)
  if (width <= 0) {
    // one value only: a bin of no width, centred
    const span = Math.max(highest - lowest, Math.abs(low) / 10, 1)
    return { min: lowest - span / 2, max: highest + span / 2 }
  }
  const before = Math.ceil((low - lowest) / width - 1e-9)
  const after = Math.ceil((highest - high) / width - 1e-9)
  if (before + after > 24) return { min: lowest, max: highest } // far-off thresholds: no bin ticks
  return { min: low - before * width, max: high + after * width, interval: width }
}

/** The distribution as bars, the current threshold as a solid line and the proposed one as a dashed line.
 *  Number bins stand on a value axis at their centres (so a threshold falls where it is); grades and
 *  yes/no on a category axis. */
export function chartOption(i: IndicatorCalibration, proposed: Threshold | undefined): ChartOption {
  const numeric = isNumeric(i.direction)
  const axis = numeric ? axisOf(i, proposed) : null
  const data = i.bins.map((b) =>
    numeric && b.low !== null && b.high !== null ? { value: [(Number(b.low) + Number(b.high)) / 2, b.count], name: b.label } : { value: b.count, name: b.label },
  )
  const markLines = [...lines(i.direction, i.threshold, '当前', '#c0392b', false), ...lines(i.direction, proposed, '拟定', '#2f6fde', true)]
  return {
    grid: { left: 40, right: 24, top: 28, bottom: 28 },
    tooltip: {
      trigger: 'item',
      formatter: (p: unknown) => {
        const item = p as { name: string; value: number | number[] }
        const count = Array.isArray(item.value) ? item.value[1] : item.value
        return `${item.name}${i.unit ? ` ${i.unit}` : ''}：${count} 家`
      },
    },
    xAxis: numeric
      ? { type: 'value', min: axis?.min, max: axis?.max, interval: axis?.interval, name: i.unit || undefined }
      : { type: 'category', data: i.bins.map((b) => b.label) },
    yAxis: { type: 'value', minInterval: 1, name: '企业数' },
    series: [
      {
        type: 'bar',
        data,
        barWidth: numeric ? '96%' : '60%',
        itemStyle: { color: '#8fb3e8' },
        markLine: { symbol: 'none', silent: true, data: markLines },
      },
    ],
  } as ChartOption
}
