// Types of the miniauth mini-program SDK (miniauth.js), against miniprogram-api-typings'
// `WechatMiniprogram` namespace (npm: miniprogram-api-typings).
/// <reference types="miniprogram-api-typings" />

export interface ClientOptions {
  /** The miniauth server's origin, e.g. 'https://auth.example.com'. */
  baseURL: string
  /** The storage key of the tokens (default 'miniauth'). */
  storageKey?: string
  /** 'zh' or 'en' (or 'zh_CN'…): the language of error messages; default the app's. */
  language?: string
  /** The wx object; default the global `wx`. */
  wx?: WechatMiniprogram.Wx
}

/** The caller's profile; the phone number is masked (138****5678). */
export interface User {
  id: number
  nickName: string
  avatarUrl: string
  gender: 0 | 1 | 2
  province: string
  city: string
  country: string
  language: string
  phoneNumber: string
}

/** The platform account a WeChat user is bound to. */
export interface Account {
  id: number
  username: string
  name: string
}

/** The bound account as checkBind and bind answer it. */
export interface BoundAccount extends Account {
  nickName: string
  avatarUrl: string
}

export interface ProfileFields {
  nickName?: string
  avatarUrl?: string
  gender?: 0 | 1 | 2
  province?: string
  city?: string
  country?: string
  language?: string
}

export interface PhoneNumber {
  phoneNumber: string
  purePhoneNumber: string
  countryCode: string
}

export interface RequestOptions {
  /** A path on baseURL ('/api/user/info') or an absolute URL under baseURL (others are refused: the token is for this server). */
  url: string
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS'
  data?: string | WechatMiniprogram.IAnyObject | ArrayBuffer
  header?: WechatMiniprogram.IAnyObject
}

/** The server's error codes (docs/api.md), plus the SDK's own for failures without an answer. */
export type ErrorCode =
  | 'invalid_request' | 'invalid_signature' | 'invalid_code' | 'unauthorized' | 'token_expired'
  | 'invalid_ticket' | 'invalid_credentials' | 'forbidden' | 'account_disabled' | 'user_blocked'
  | 'not_found' | 'method_not_allowed' | 'conflict' | 'payload_too_large'
  | 'unsupported_media_type' | 'rate_limited' | 'internal' | 'store_unavailable'
  | 'upstream_unavailable' | 'server_busy'
  | 'network_error' | 'wx_login_failed'

/** Every failure. status 0: no answer came (network, wx.login). */
export declare class MiniauthError extends Error {
  name: 'MiniauthError'
  status: number
  code: ErrorCode | string
  message: string
  wxErrcode?: number
  requestId?: string
}

export interface Client {
  /** wx.login and a new session; concurrent calls share one. */
  login(): Promise<{ user: User; bound: boolean; account: Account | null }>
  /** An authenticated call: Bearer added, login/refresh handled; resolves the JSON answer. */
  request<T = unknown>(options: RequestOptions): Promise<T>
  getUserInfo(): Promise<{ user: User; account: Account | null }>
  updateProfile(fields: ProfileFields): Promise<User>
  /** The tempFilePath from chooseAvatar / chooseMedia; resolves the new avatar URL. */
  uploadAvatar(tempFilePath: string): Promise<string>
  /** The code from the phone button's getphonenumber event (e.detail.code). */
  getPhoneNumber(code: string): Promise<PhoneNumber>
  /** Logs in when bound; else keeps a bind ticket in memory for bind(). */
  checkBind(): Promise<{ bound: true; account: BoundAccount } | { bound: false }>
  bind(credentials: { username: string; password: string }): Promise<{ account: BoundAccount }>
  /** Ends every session carrying the binding; continues with a fresh unbound session. */
  unbind(): Promise<{ user: User }>
  /** Ends the session and clears the stored tokens. */
  logout(): Promise<void>
  /** Whether tokens are stored (not whether the session still lives). */
  isLoggedIn(): boolean
}

export declare function createClient(options: ClientOptions): Client
