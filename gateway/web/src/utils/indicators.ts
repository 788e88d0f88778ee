import type { Indicator } from '@/api/benchmark'

function unit(i: Indicator) {
  return i.unit ? ` ${i.unit}` : ''
}

/** What the plan asks of one indicator, in words, e.g. “≥ 90 %” or “4.0～8.5”. */
export function requirement(i: Indicator, threshold: unknown = i.forerunner_threshold): string {
  const d = String(i.direction)
  if (d.startsWith('higher')) return `≥ ${threshold}${unit(i)}`
  if (d.startsWith('lower')) return `≤ ${threshold}${unit(i)}`
  if (d === 'range' || d === 'within') {
    const lo = i.threshold_min ?? (Array.isArray(threshold) ? threshold[0] : '')
    const hi = i.threshold_max ?? (Array.isArray(threshold) ? threshold[1] : '')
    return `${lo}～${hi}${unit(i)}`
  }
  if (d === 'boolean' || d === 'yes_no') return threshold === false || threshold === 'false' ? '否' : '是'
  if (d.includes('grade')) return `不低于 ${threshold} 级`
  return threshold === null || threshold === undefined ? '—' : String(threshold)
}

export function isBoolean(i: Indicator) {
  return i.direction === 'boolean' || i.direction === 'yes_no'
}

export function isGrade(i: Indicator) {
  return String(i.direction).includes('grade')
}

/** Decimal strings travel as typed, so 0.1 stays 0.1 on the server. */
export function valueProblem(i: Indicator, v: unknown): string | null {
  if (v === '' || v === null || v === undefined) return `请填写“${i.name}”`
  if (isBoolean(i)) return null
  if (!/^-?\d+(\.\d+)?$/.test(String(v).trim())) return `“${i.name}”请填写数字`
  return null
}
