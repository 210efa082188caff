/**
 * The edge benchmark's load generator, run as its own process so that it never shares a
 * thread with the Worker: autocannon against one route, one agent token per connection,
 * with the route's own headers (an MCP request's) when given.
 *
 * With `--one-at-a-time <routes> <seconds>` it sends requests one after another itself
 * instead, to several routes in turn, timing each with a monotonic clock: autocannon's
 * percentiles are whole milliseconds, too coarse for a request that takes 2–5 ms alone.
 * Prints one JSON line: requests/s and latency percentiles in milliseconds (one such
 * object per route, one at a time).
 */
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { quantileMs } from './measure.js';

type Measured = { rps: number; p50: number; p99: number; requests: number; non2xx: number };

/** Arguments: the URL, the tokens (JSON), the body, seconds, connections, the headers (JSON). */
async function underLoad(args: string[]): Promise<Measured> {
  const [url, tokensJson, bodyJson, seconds, connections, headersJson = '{}'] = args;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...JSON.parse(headersJson) };
  const tokens: string[] = JSON.parse(tokensJson!);
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

/** A route measured one request at a time: where, as whom, and what it is sent. */
export interface SingleRoute {
  url: string;
  token: string;
  body: string;
  headers?: Record<string, string>;
}

/** One request, answered in full; resolves with its status. */
function send(route: SingleRoute, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      route.url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...route.headers, authorization: `Bearer ${route.token}` },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(route.body);
  });
}

/**
 * The routes one request at a time, taking turns request by request, so that every route
 * meets the machine's drift alike; each request timed with a monotonic clock.
 */
async function oneAtATime(routes: Record<string, SingleRoute>, secs: number): Promise<Record<string, Measured>> {
  const names = Object.keys(routes);
  const agents = names.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const latencies = names.map(() => [] as number[]);
  const non2xx = names.map(() => 0);
  const until = performance.now() + secs * 1000;
  while (performance.now() < until) {
    for (const [i, name] of names.entries()) {
      const start = performance.now();
      const status = await send(routes[name]!, agents[i]!);
      latencies[i]!.push(performance.now() - start);
      if (status < 200 || status > 299) non2xx[i]!++;
    }
  }
  for (const agent of agents) agent.destroy();
  return Object.fromEntries(
    names.map((name, i) => {
      const sorted = latencies[i]!.sort((a, b) => a - b);
      return [
        name,
        {
          rps: sorted.length / secs,
          p50: quantileMs(sorted, 0.5),
          p99: quantileMs(sorted, 0.99),
          requests: sorted.length,
          non2xx: non2xx[i]!,
        },
      ];
    }),
  );
}

console.log(
  JSON.stringify(
    process.argv[2] === '--one-at-a-time'
      ? await oneAtATime(JSON.parse(process.argv[3]!), Number(process.argv[4]))
      : await underLoad(process.argv.slice(2)),
  ),
);
