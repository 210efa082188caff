/**
 * The edge benchmark's load generator, run as its own process so that it never shares a
 * thread with the Worker: autocannon against one route, one agent token per connection,
 * with the route's own headers (an MCP request's) when given.
 * Prints one JSON line: requests/s and latency percentiles.
 */
import autocannon from 'autocannon';

const [url, tokensJson, bodyJson, seconds, connections, headersJson = '{}'] = process.argv.slice(2);
const headers: Record<string, string> = { 'content-type': 'application/json', ...JSON.parse(headersJson) };
const tokens: string[] = JSON.parse(tokensJson);
let next = 0;
const result = await autocannon({
  url,
  method: 'POST',
  body: bodyJson,
  headers,
  connections: Number(connections),
  duration: Number(seconds),
  setupClient(client) {
    client.setHeaders({ ...headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` });
  },
});
const non2xx = result.non2xx + result.errors;
console.log(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx,
  }),
);
