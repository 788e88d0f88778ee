// Calls typed from the services' OpenAPI documents (src/api/generated, `make portal-contract`): a route's
// path, parameters, body and answer are the ones its service declares. Requests go through `http`, so the
// session refresh and the error mapping of http.ts apply to every call.
import type { AxiosRequestConfig } from 'axios'
import { cleanParams, http } from './http'
import type { paths as AuthPaths } from './generated/auth'
import type { paths as BenchmarkPaths } from './generated/benchmark'
import type { paths as CertificatePaths } from './generated/certificate'
import type { paths as DeclarationPaths } from './generated/declaration'
import type { paths as MallPaths } from './generated/mall'
import type { paths as NotifyPaths } from './generated/notify'

/** Every public route of the platform, as the gateway forwards it. */
export type Paths = AuthPaths & BenchmarkPaths & CertificatePaths & DeclarationPaths & MallPaths & NotifyPaths

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** The routes that answer `method`. */
export type PathsFor<M extends Method> = {
  [P in keyof Paths]: Paths[P] extends Record<M, object> ? P : never
}[keyof Paths]

/** The operation a route answers with `method`. */
export type Operation<P extends keyof Paths, M extends Method> = Paths[P] extends Record<M, infer O> ? O : never

type SuccessStatus = 200 | 201 | 202 | 204
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : void

/** The body of the operation's success answer (void when it answers 204). */
export type Answer<O> = O extends { responses: infer R } ? JsonOf<R[Extract<keyof R, SuccessStatus>]> : never

type ParamsOf<O, K extends 'query' | 'path'> = O extends { parameters: infer Ps }
  ? Ps extends { [k in K]?: infer X }
    ? X
    : never
  : never

/** The query parameters of an operation. */
export type QueryOf<O> = NonNullable<ParamsOf<O, 'query'>>
export type PathParamsOf<O> = NonNullable<ParamsOf<O, 'path'>>

/** The request body an operation takes: its JSON model, or FormData for a multipart upload. */
export type BodyOf<O> = O extends { requestBody?: infer RB }
  ? NonNullable<RB> extends { content: { 'application/json': infer B } }
    ? undefined extends RB
      ? B | undefined
      : B
    : NonNullable<RB> extends { content: { 'multipart/form-data': unknown } }
      ? FormData
      : undefined
  : undefined

/** A list page's filters as a form holds them: the route's query parameters, each '' when not chosen. */
export type Filters<Q> = { [K in keyof Q]?: Q[K] | '' }

/** The answer of `method` on `path`, e.g. `Response<'/api/declarations/{declaration_id}', 'get'>`. */
export type Response<P extends keyof Paths, M extends Method> = Answer<Operation<P, M>>
export type Query<P extends keyof Paths, M extends Method = 'get'> = QueryOf<Operation<P, M>>
export type Body<P extends keyof Paths, M extends Method> = BodyOf<Operation<P, M>>

type PathPart<O> = [PathParamsOf<O>] extends [never] ? { path?: undefined } : { path: PathParamsOf<O> }

export type Options<O> = PathPart<O> & {
  /** Empty values ('' or null) are left out of the query string. */
  query?: Filters<QueryOf<O>>
  config?: AxiosRequestConfig
}

type OptionalIfEmpty<O> = [PathParamsOf<O>] extends [never] ? [options?: Options<O>] : [options: Options<O>]

/** The URL of `path` with its `{name}` segments filled in (each value URL-encoded). */
export function urlOf(path: string, params?: Record<string, string | number>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name]
    if (value === undefined) throw new Error(`missing path parameter ${name} of ${path}`)
    return encodeURIComponent(String(value))
  })
}

function configOf(options: { path?: object; query?: object; config?: AxiosRequestConfig } | undefined, path: string) {
  const url = urlOf(path, options?.path as Record<string, string | number> | undefined)
  const config: AxiosRequestConfig = { ...options?.config }
  if (options?.query) config.params = cleanParams(options.query as Record<string, unknown>)
  return { url, config }
}

export function get<P extends PathsFor<'get'>>(
  path: P,
  ...[options]: OptionalIfEmpty<Operation<P, 'get'>>
): Promise<Response<P, 'get'>> {
  const { url, config } = configOf(options, path)
  return http.get<Response<P, 'get'>>(url, config).then((r) => r.data)
}

export function del<P extends PathsFor<'delete'>>(
  path: P,
  ...[options]: OptionalIfEmpty<Operation<P, 'delete'>>
): Promise<Response<P, 'delete'>> {
  const { url, config } = configOf(options, path)
  return http.delete<Response<P, 'delete'>>(url, config).then((r) => r.data)
}

type WithBody = 'post' | 'put' | 'patch'

function send<M extends WithBody, P extends PathsFor<M>>(
  method: M,
  path: P,
  body: Body<P, M>,
  options: { path?: object; query?: object; config?: AxiosRequestConfig } | undefined,
): Promise<Response<P, M>> {
  const { url, config } = configOf(options, path)
  return http[method]<Response<P, M>>(url, body, config).then((r) => r.data)
}

export function post<P extends PathsFor<'post'>>(
  path: P,
  body: Body<P, 'post'>,
  ...[options]: OptionalIfEmpty<Operation<P, 'post'>>
): Promise<Response<P, 'post'>> {
  return send('post', path, body, options)
}

export function put<P extends PathsFor<'put'>>(
  path: P,
  body: Body<P, 'put'>,
  ...[options]: OptionalIfEmpty<Operation<P, 'put'>>
): Promise<Response<P, 'put'>> {
  return send('put', path, body, options)
}

export function patch<P extends PathsFor<'patch'>>(
  path: P,
  body: Body<P, 'patch'>,
  ...[options]: OptionalIfEmpty<Operation<P, 'patch'>>
): Promise<Response<P, 'patch'>> {
  return send('patch', path, body, options)
}

/** A download or page address of a route (a link, an image source), typed like a call. */
export function hrefOf<P extends PathsFor<'get'>>(path: P, ...[options]: OptionalIfEmpty<Operation<P, 'get'>>): string {
  return urlOf(path, options?.path as Record<string, string | number> | undefined)
}
