import { http } from './http'

/** The platform clock of development and demo platforms (LP_CLOCK_ADJUSTABLE); absent in production. */
export interface ClockState {
  now: string
  offset_seconds: number
  offset_days: number
}

export const devClockApi = {
  get: () => http.get<ClockState>('/api/dev/clock').then((r) => r.data),
  advance: (days: number) => http.post<ClockState>('/api/dev/clock/advance', { days }).then((r) => r.data),
  reset: () => http.delete<ClockState>('/api/dev/clock').then((r) => r.data),
}
