import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
  return false;
}

export class InsecureListenError extends Error {
  override name = 'InsecureListenError';
}

/** The server may listen beyond loopback only with a token configured. */
export function checkListenPolicy(host: string, token: string | undefined): void {
  if (!token && !isLoopbackHost(host)) {
    throw new InsecureListenError(
      `refusing to listen on ${host} without SEAMFLOW_API_TOKEN: set a token, or listen on 127.0.0.1 (the default)`,
    );
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of an `Authorization: Bearer ...` header with the configured token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/** Replaces every secret in a text (error messages going to a client or a log). */
export function redactor(secrets: (string | undefined)[]): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (text) => list.reduce((t, s) => t.split(s).join('[redacted]'), text);
}
