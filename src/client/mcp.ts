/**
 * @module
 * Pointing any MCP client at the gateway: the endpoint of an upstream behind Tollgate and the
 * request options that carry the agent's token, in the shape the official SDK's Streamable
 * HTTP transports take (v1 `@modelcontextprotocol/sdk` and v2 `@modelcontextprotocol/client`
 * alike), so no MCP dependency comes with `tollgate/client`.
 *
 * ```ts
 * const { url, options } = gatewayTransport({ baseUrl, token: agentToken, upstream: 'github' });
 * await client.connect(new StreamableHTTPClientTransport(url, options));
 * ```
 */

export interface GatewayTarget {
  /** The edge, e.g. `https://tollgate.example.com`. */
  baseUrl: string;
  /** The agent's token. */
  token: string;
  /** The upstream's name in the policy's `mcp:` section. */
  upstream: string;
  /** Another fetch (a Worker's service binding, a test's). */
  fetch?: typeof fetch;
}

/** The gateway endpoint for `upstream`, and the transport options that send the agent's token. */
export function gatewayTransport(target: GatewayTarget): {
  url: URL;
  options: { requestInit: RequestInit; fetch?: typeof fetch };
} {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(target.upstream))
    throw new TypeError(`upstream '${target.upstream}' is not an upstream name (lowercase letters, digits and dashes)`);
  return {
    url: new URL(`/mcp/${target.upstream}`, target.baseUrl),
    options: {
      requestInit: { headers: { authorization: `Bearer ${target.token}` } },
      ...(target.fetch && { fetch: target.fetch }),
    },
  };
}
