import { describe, expect, it } from 'vitest';
import { gatewayTransport } from './mcp.js';

describe('gatewayTransport', () => {
  it("names the upstream's gateway endpoint and sends the agent's token", () => {
    const { url, options } = gatewayTransport({
      baseUrl: 'https://tollgate.example.com/',
      token: 't0k',
      upstream: 'github',
    });
    expect(url.href).toBe('https://tollgate.example.com/mcp/github');
    expect(options.requestInit.headers).toEqual({ authorization: 'Bearer t0k' });
  });

  it('refuses what is not an upstream name, so no other path is reached', () => {
    for (const upstream of ['../v1/decide', 'GitHub', '', 'a/b'])
      expect(() => gatewayTransport({ baseUrl: 'https://t.example', token: 't', upstream })).toThrow(
        /not an upstream name/,
      );
  });
});
