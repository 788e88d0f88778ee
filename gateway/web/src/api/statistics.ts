// The working group's dashboard (数据看板) and the public statistics of published forerunners (统计数据); every
// chart's numbers also download as CSV from the service, the same numbers a program gets.
import { get, hrefOf, type Filters, type Query } from './client'
import { downloadFile } from './http'
import type { components } from './generated/declaration'

type Schemas = components['schemas']

export type Dashboard = Schemas['Dashboard']
export type DashboardPanel = Schemas['Panel']
export type ForerunnerStatistics = Schemas['ForerunnerStatistics']
export type Breakdown = Schemas['Breakdown']
export type DashboardFilters = Filters<Query<'/api/declarations/dashboard'>>

function clean(filters: DashboardFilters): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '' && v !== null && v !== undefined))
}

export const statisticsApi = {
  dashboard: (query: DashboardFilters) => get('/api/declarations/dashboard', { query }),
  dashboardCsv: (panel: DashboardPanel, query: DashboardFilters) =>
    downloadFile(hrefOf('/api/declarations/dashboard/{panel}.csv', { path: { panel } }), `${panel}.csv`, clean(query)),
  forerunners: (query: DashboardFilters) => get('/api/declarations/public/statistics', { query }),
  forerunnersCsv: (by: Breakdown, query: DashboardFilters) =>
    downloadFile(hrefOf('/api/declarations/public/statistics.csv'), `statistics-${by}.csv`, { ...clean(query), by }),
}
