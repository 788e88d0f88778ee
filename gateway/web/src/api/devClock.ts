import { del, get, post } from './client'
import type { components } from './generated/auth'

/** The platform clock of development and demo platforms (LP_CLOCK_ADJUSTABLE); absent in production. */
export type ClockState = components['schemas']['ClockOut']

export const devClockApi = {
  get: () => get('/api/dev/clock'),
  advance: (days: number) => post('/api/dev/clock/advance', { days }),
  reset: () => del('/api/dev/clock'),
}
