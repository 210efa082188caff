import { toolTargets } from '../mcp/visibility.js';
import { describe, expect, it } from 'vitest';
import { decodeBundle } from './bundle/decode.js';
import { compilePolicies } from './compile.js';
import { formatIssue } from './errors.js';
import { loadPolicies } from './load.js';

const RULES = 'rules:\n  - id: r\n    effect: allow\n';

function errors(files: Record<string, string>): string[] {
  const r = loadPolicies({ 'rules.yaml': RULES, ...files });
  return r.ok ? [] : r.errors.map(formatIssue);
}

describe('the mcp: section', () => {
  it('declares upstreams, which reach the bundle sorted by name', () => {
    const files = {
      'rules.yaml': RULES,
      'mcp.yaml': [
        'mcp:',
        '  - name: github',
        '    url: https://mcp.example.com/mcp',
        '    secret: GITHUB_MCP_TOKEN',
        '    tools: ["search_*", get_issue]',
        '    results: block',
        '  - name: demo',
        '    url: http://127.0.0.1:8788/mcp',
        '',
      ].join('\n'),
    };
    const loaded = loadPolicies(files);
    expect(loaded.ok && loaded.policy.mcpUpstreams).toEqual([
      { name: 'demo', url: 'http://127.0.0.1:8788/mcp', secret: null, tools: null, results: 'redact' },
      {
        name: 'github',
        url: 'https://mcp.example.com/mcp',
        secret: 'GITHUB_MCP_TOKEN',
        tools: ['search_*', 'get_issue'],
        results: 'block',
      },
    ]);
    const info = decodeBundle(compilePolicies(files).bytes);
    expect(info.mcpUpstreams).toEqual(loaded.ok && loaded.policy.mcpUpstreams);
    // The gateway's view of the rules is the policy's, so the edge lists what the policy allows.
    expect(info.toolTargets).toEqual(loaded.ok && toolTargets(loaded.policy));
  });

  it('leaves a bundle without upstreams as it was', () => {
    const bytes = compilePolicies({ 'rules.yaml': RULES }).bytes;
    expect(decodeBundle(bytes).mcpUpstreams).toEqual([]);
    expect(new TextDecoder().decode(bytes)).not.toContain('mcp_upstreams');
  });

  it.each([
    [
      '  - name: GitHub\n    url: https://mcp.example.com/',
      /mcp\.yaml:2:11 bad_value mcp\[0\]\.name 'GitHub' must be lowercase/,
    ],
    ['  - url: https://mcp.example.com/', /mcp\.yaml:2:5 missing_key mcp\[0\] needs 'name' and 'url'/],
    [
      '  - name: a\n    url: http://mcp.example.com/',
      /mcp\.yaml:3:10 bad_value mcp\[0\]\.url: mcp\.example\.com must be reached over https/,
    ],
    [
      '  - name: a\n    url: https://10.0.0.8/mcp',
      /mcp\.yaml:3:10 bad_value mcp\[0\]\.url: 10\.0\.0\.8 is a private address/,
    ],
    [
      '  - name: a\n    url: https://169.254.169.254/',
      /bad_value mcp\[0\]\.url: 169\.254\.169\.254 is a cloud metadata/,
    ],
    [
      '  - name: a\n    url: https://user:pw@mcp.example.com/',
      /bad_value mcp\[0\]\.url: a URL may not carry credentials/,
    ],
    ['  - name: a\n    url: ftp://mcp.example.com/', /bad_value mcp\[0\]\.url: ftp: URLs are not allowed/],
    [
      '  - name: a\n    url: https://mcp.example.com/\n    secret: ghp_abc123',
      /mcp\.yaml:4:13 bad_value mcp\[0\]\.secret names a Worker secret/,
    ],
    [
      '  - name: a\n    url: https://mcp.example.com/\n    tools: ["a***b"]',
      /mcp\.yaml:4:13 bad_glob mcp\[0\]\.tools\[0\]: glob 'a\*\*\*b' has three or more/,
    ],
    [
      '  - name: a\n    url: https://mcp.example.com/\n    results: drop',
      /mcp\.yaml:4:14 bad_value mcp\[0\]\.results must be redact or block/,
    ],
    [
      '  - name: a\n    url: https://mcp.example.com/\n    token: x',
      /mcp\.yaml:4:5 unknown_key unknown key 'token' in mcp\[0\]/,
    ],
  ])('reports %j at its position', (entry, expected) => {
    expect(errors({ 'mcp.yaml': `mcp:\n${entry}\n` })).toEqual([expect.stringMatching(expected)]);
  });

  it('refuses a name declared twice, across files, naming the first', () => {
    const entry = (url: string) => `mcp:\n  - name: github\n    url: ${url}\n`;
    expect(errors({ 'a.yaml': entry('https://a.example.com/'), 'b.yaml': entry('https://b.example.com/') })).toEqual([
      "b.yaml:2:11 duplicate_upstream mcp upstream 'github' is already declared at a.yaml:2",
    ]);
  });
});

describe('the egress: section', () => {
  it('declares HTTP APIs for the egress proxy, with the header their secret goes in', () => {
    const files = {
      'rules.yaml': RULES,
      'egress.yaml': [
        'egress:',
        '  - name: payments',
        '    url: https://api.payments.example/v1/',
        '    secret: PAYMENTS_KEY',
        '    header: X-Api-Key',
        '  - name: search',
        '    url: https://search.example/',
        '',
      ].join('\n'),
    };
    const loaded = loadPolicies(files);
    const expected = [
      { name: 'payments', url: 'https://api.payments.example/v1/', secret: 'PAYMENTS_KEY', header: 'x-api-key' },
      { name: 'search', url: 'https://search.example/', secret: null, header: null },
    ];
    expect(loaded.ok && loaded.policy.egressUpstreams).toEqual(expected);
    expect(decodeBundle(compilePolicies(files).bytes).egressUpstreams).toEqual(expected);
  });

  it('refuses a bad header, a private URL and a name declared twice, at their positions', () => {
    expect(errors({ 'e.yaml': 'egress:\n  - name: a\n    url: https://a.example/\n    header: "X Api"\n' })).toEqual([
      "e.yaml:4:13 bad_value egress[0].header 'X Api' is not a header name",
    ]);
    expect(errors({ 'e.yaml': 'egress:\n  - name: a\n    url: https://192.168.1.1/\n' })).toEqual([
      'e.yaml:3:10 bad_value egress[0].url: 192.168.1.1 is a private address',
    ]);
    const entry = 'egress:\n  - name: a\n    url: https://a.example/\n';
    expect(errors({ 'a.yaml': entry, 'b.yaml': entry })).toEqual([
      "b.yaml:2:11 duplicate_upstream egress upstream 'a' is already declared at a.yaml:2",
    ]);
  });
});
