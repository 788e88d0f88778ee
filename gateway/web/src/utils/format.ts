export function formatTime(value: unknown): string {
  if (!value) return '—'
  const d = new Date(String(value))
  if (Number.isNaN(d.getTime())) return String(value)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

export function formatDate(value: unknown): string {
  return formatTime(value).slice(0, 10)
}

export function formatSize(bytes: number | undefined): string {
  if (!bytes && bytes !== 0) return '—'
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

export function maskPhone(phone: string | undefined | null): string {
  if (!phone) return '—'
  if (phone.includes('*')) return phone
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone
}

export function dash(value: unknown): string {
  return value === null || value === undefined || value === '' ? '—' : String(value)
}

export function currentYear(): number {
  return new Date().getFullYear()
}

export function yearOptions(span = 6): number[] {
  const y = currentYear()
  return Array.from({ length: span }, (_, i) => y - i)
}
