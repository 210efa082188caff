/**
 * @module
 * Reading a JSON body: at most 64 KiB (unless a route says otherwise), UTF-8, an object; every failure is a 400 or 413
 * that says what was wrong. The reader stops at the limit: a larger body (chunked, or
 * with a false Content-Length) is refused without reading the rest.
 */
import type { Context } from 'hono';
import { ApiError } from './errors.js';

export const MAX_BODY_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Reads a body stream up to `limit` bytes; past it, cancels the stream and throws 413. */
async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.length;
    if (size > limit) {
      await reader.cancel();
      throw new ApiError('body_too_large', `body is more than ${limit} bytes; the limit is ${limit}`);
    }
    chunks.push(next.value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) (bytes.set(chunk, at), (at += chunk.length));
  return bytes;
}

/** The body as UTF-8 text, read up to the limit (413 past it). */
export async function readText(c: Context, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > limit) throw new ApiError('body_too_large', `body is ${declared} bytes; the limit is ${limit}`);
  try {
    return utf8.decode(await readAtMost(c.req.raw.body, limit));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('invalid_json', 'body is not valid utf-8', { cause: err });
  }
}

/** The body as a JSON object; with `optional`, an empty body reads as `{}`. */
export async function readJsonObject(c: Context, { optional = false } = {}): Promise<Record<string, unknown>> {
  const text = await readText(c);
  if (optional && text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError('invalid_json', `body is not valid json: ${(err as Error).message.toLowerCase()}`, {
      cause: err,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ApiError('invalid_request', 'body: must be a json object');
  return value as Record<string, unknown>;
}
