/**
 * @module
 * Reading a JSON body: at most 64 KiB, UTF-8, an object; every failure is a 400 or 413
 * that says what was wrong.
 */
import type { Context } from 'hono';
import { ApiError } from './errors.js';

export const MAX_BODY_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as a JSON object; with `optional`, an empty body reads as `{}`. */
export async function readJsonObject(c: Context, { optional = false } = {}): Promise<Record<string, unknown>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new ApiError('body_too_large', `body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw new ApiError('body_too_large', `body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError('invalid_json', 'body is not valid utf-8');
  }
  if (optional && text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError('invalid_json', `body is not valid json: ${(err as Error).message.toLowerCase()}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError('invalid_request', 'body: must be a json object');
  return value as Record<string, unknown>;
}
