import type { Indicator, Threshold } from '@/api/benchmark'

function unit(i: { unit?: string | null }) {
  return i.unit ? ` ${i.unit}` : ''
}

/** A threshold as the service wrote it (a decimal string or number, {min,max}, yes/no), or null. */
export function asThreshold(v: unknown): Threshold {
  if (typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') return String(v)
  if (v && typeof v === 'object' && 'min' in v && 'max' in v) {
    const { min, max } = v
    if ((typeof min === 'string' || typeof min === 'number') && (typeof max === 'string' || typeof max === 'number')) {
      return { min: String(min), max: String(max) }
    }
  }
  return null
}

export function thresholdText(value: unknown): string {
  const t = asThreshold(value)
  if (t === null || t === undefined || t === '') return '—'
  if (typeof t === 'boolean') return t ? '是' : '否'
  if (typeof t === 'object') return `${t.min}～${t.max}`
  return String(t)
}

/** What a threshold asks of one indicator, in words, e.g. “≥ 90 %”, “4.0～8.5”, “不低于 4 级”. */
export function requirement(i: { direction?: string | null; unit?: string | null }, value: unknown): string {
  const t = asThreshold(value)
  if (t === null || t === undefined || t === '') return '—'
  const d = String(i.direction ?? '')
  if (typeof t === 'object' && t !== null) return `${t.min}～${t.max}${unit(i)}`
  if (d === 'higher') return `≥ ${t}${unit(i)}`
  if (d === 'lower') return `≤ ${t}${unit(i)}`
  if (d === 'bool') return thresholdText(t)
  if (d === 'grade') return `不低于 ${t} 级`
  return thresholdText(t)
}

/** The threshold of a star level (3 or 4) or, without one, the forerunner threshold. */
export function thresholdFor(i: Indicator, star?: number): Threshold {
  if (star && i.stars && i.stars.length >= star) return asThreshold(i.stars[star - 1])
  return asThreshold(i.forerunner)
}

export function isBoolean(i: Indicator) {
  return i.direction === 'bool'
}

export function isGrade(i: Indicator) {
  return i.direction === 'grade'
}

/** Decimal strings travel as typed, so 0.1 stays 0.1 on the server. */
export function valueProblem(i: Indicator, v: unknown): string | null {
  if (v === '' || v === null || v === undefined) return `请填写“${i.name}”`
  if (isBoolean(i) || isGrade(i)) return null
  if (!/^-?\d+(\.\d+)?$/.test(String(v).trim())) return `“${i.name}”请填写数字`
  return null
}

/** What the service expects for a value: yes/no as booleans, the rest as typed. */
export function valuePayload(indicators: Indicator[], values: Record<string, string>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {}
  for (const i of indicators) {
    const v = String(values[i.code] ?? '').trim()
    out[i.code] = isBoolean(i) ? v === 'true' : v
  }
  return out
}

/** "评估方案（第 2 版）" / "质量分级标准（第 1 版）": the basis of a comparison, worded alike everywhere. */
export function basisText(basis: string, version: number | null | undefined): string {
  return version ? `${basis}（第 ${version} 版）` : basis
}
