/**
 * @module
 * Rewriting the JSON-RPC messages of an MCP server's HTTP answer as they pass through, in
 * either framing the Streamable HTTP transport uses: one JSON body, or a `text/event-stream`
 * whose events each carry one message. Streams are rewritten event by event as they arrive,
 * so progress notifications and a server's requests to the client (sampling, elicitation)
 * reach the client while the call is still running. Events that carry no JSON message
 * (comments, `retry:` priming events) pass through as they are.
 */

/** Rewrites one message; returning the message unchanged keeps its bytes as they were. */
export type MessageRewrite = (message: unknown) => unknown | Promise<unknown>;

const encoder = new TextEncoder();

/** One event block of a stream (the text between blank lines), with its JSON message rewritten. */
async function rewriteEvent(block: string, rewrite: MessageRewrite): Promise<string> {
  const lines = block.split(/\r\n|\r|\n/);
  const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
  if (data.length === 0) return block;
  let message: unknown;
  try {
    message = JSON.parse(data.join('\n'));
  } catch {
    return block;
  }
  const rewritten = await rewrite(message);
  if (rewritten === message) return block;
  const others = lines.filter((l) => !l.startsWith('data:'));
  return [...others, `data: ${JSON.stringify(rewritten)}`].join('\n');
}

/** A `text/event-stream` body with each event's message rewritten, event by event. */
export function rewriteEventStream(
  body: ReadableStream<Uint8Array>,
  rewrite: MessageRewrite,
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let pending = '';
  const boundary = /\r\n\r\n|\n\n|\r\r/;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        pending += decoder.decode(chunk, { stream: true });
        for (let m = boundary.exec(pending); m !== null; m = boundary.exec(pending)) {
          const block = pending.slice(0, m.index);
          pending = pending.slice(m.index + m[0].length);
          controller.enqueue(encoder.encode(`${await rewriteEvent(block, rewrite)}\n\n`));
        }
      },
      async flush(controller) {
        pending += decoder.decode();
        if (pending.trim() !== '') controller.enqueue(encoder.encode(await rewriteEvent(pending, rewrite)));
      },
    }),
  );
}

/** Whether a Content-Type names the event-stream framing. */
export const isEventStream = (contentType: string | null) =>
  (contentType ?? '').split(';')[0].trim().toLowerCase() === 'text/event-stream';

/** Whether a Content-Type names JSON. */
export const isJson = (contentType: string | null) =>
  (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/json';

/**
 * An upstream answer with its messages rewritten: a JSON body is read whole (a batch's
 * members one by one), an event stream is rewritten as it flows. Other bodies pass as they are.
 */
export async function rewriteMessages(
  response: Response,
  rewrite: MessageRewrite,
): Promise<ReadableStream | string | null> {
  const type = response.headers.get('content-type');
  if (response.body === null) return null;
  if (isEventStream(type)) return rewriteEventStream(response.body, rewrite);
  if (!isJson(type)) return response.body;
  const text = await response.text();
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return text;
  }
  const rewritten = Array.isArray(message) ? await Promise.all(message.map(rewrite)) : await rewrite(message);
  return rewritten === message ? text : JSON.stringify(rewritten);
}
