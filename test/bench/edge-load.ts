/**
 * The edge benchmark's load generator, run as its own process so that it never shares a
 * thread with the Worker: autocannon against one route, one agent token per connection,
 * with the route's own headers (an MCP request's) when given.
 *
 * With one connection it sends the requests one after another itself instead, timing each
 * with a monotonic clock: autocannon's percentiles are whole milliseconds, too coarse for a
 * request that takes 2–5 ms alone.
 * Prints one JSON line: requests/s and latency percentiles in milliseconds (and, one at a
 * time, every request's latency, which the benchmark pools over its rounds).
 */
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { quantileMs } from './measure.js';

const [url, tokensJson, bodyJson, seconds, connections, headersJson = '{}'] = process.argv.slice(2);
const headers: Record<string, string> = { 'content-type': 'application/json', ...JSON.parse(headersJson) };
const tokens: string[] = JSON.parse(tokensJson);

type Measured = { rps: number; p50: number; p99: number; requests: number; non2xx: number; samples?: number[] };

async function underLoad(): Promise<Measured> {
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
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx + result.errors,
  };
}

/** One request, answered in full; resolves with its status. */
function send(agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, authorization: `Bearer ${tokens[0]}` } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(bodyJson);
  });
}

async function oneAtATime(): Promise<Measured> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let non2xx = 0;
  const until = performance.now() + Number(seconds) * 1000;
  while (performance.now() < until) {
    const start = performance.now();
    const status = await send(agent);
    latencies.push(performance.now() - start);
    if (status < 200 || status > 299) non2xx++;
  }
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / Number(seconds),
    p50: quantileMs(latencies, 0.5),
    p99: quantileMs(latencies, 0.99),
    requests: latencies.length,
    non2xx,
    samples: latencies.map((l) => Math.round(l * 1000) / 1000),
  };
}

console.log(JSON.stringify(Number(connections) === 1 ? await oneAtATime() : await underLoad()));
