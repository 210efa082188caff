/**
 * @module
 * The OpenAPI 3.1 document served at `/openapi.json`. A test checks that every route the
 * app serves is in it and every path in it is served.
 */

const error = { $ref: '#/components/responses/Error' };
const bearer = [{ bearer: [] }];
const json = (schema: object) => ({ content: { 'application/json': { schema } } });

const decisionRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'resource'],
  properties: {
    action: { type: 'string', minLength: 1 },
    resource: { type: 'string', minLength: 1 },
    params: { type: 'object' },
    context: { type: 'object' },
    cost: {
      type: 'object',
      additionalProperties: false,
      properties: { usd: { type: 'number', minimum: 0 }, tokens: { type: 'integer', minimum: 0 } },
    },
    idempotency_key: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description:
        'Bound to this request: the same key with the same request returns the first reply; with another, 409 idempotency_mismatch',
    },
  },
};

const auditFilters = [
  { name: 'agent', in: 'query', schema: { type: 'string' } },
  { name: 'action', in: 'query', description: 'a glob over action names', schema: { type: 'string' } },
  { name: 'decision', in: 'query', schema: { enum: ['allow', 'deny', 'require_approval'] } },
  { name: 'code', in: 'query', schema: { type: 'string' } },
  { name: 'rule', in: 'query', schema: { type: 'string' } },
  { name: 'kind', in: 'query', schema: { type: 'string' } },
  { name: 'from', in: 'query', description: 'ISO 8601, inclusive', schema: { type: 'string', format: 'date-time' } },
  { name: 'to', in: 'query', description: 'ISO 8601, exclusive', schema: { type: 'string', format: 'date-time' } },
];

/** POST /v1/approvals/{id}/approve and /deny: the same shape. */
function settleApproval(summary: string): object {
  return {
    post: {
      summary,
      security: bearer,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: json({
        type: 'object',
        additionalProperties: false,
        properties: { note: { type: 'string', maxLength: 1000 } },
      }),
      responses: {
        200: { description: '{ approval }' },
        400: error,
        401: error,
        403: error,
        404: error,
        409: error,
        503: error,
      },
    },
  };
}

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate',
      version: '0.1.0',
      description: 'Policy decisions for AI agents: allow, deny or require_approval.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        DecisionRequest: decisionRequest,
        Decision: {
          type: 'object',
          required: ['id', 'decision', 'code', 'reasons', 'errors', 'redactions', 'policy'],
          properties: {
            id: {
              type: 'string',
              pattern: '^dec_[0-9a-f]{32}$',
              description: 'Names the decision: its ticket, outcome, approval and audit records refer to it',
            },
            decision: { enum: ['allow', 'deny', 'require_approval'] },
            code: { type: 'string' },
            reasons: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  rule: { type: ['string', 'null'] },
                  effect: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
            errors: { type: 'array', items: { type: 'object' } },
            redactions: { type: 'array', items: { type: 'object' } },
            shadow: {
              type: 'object',
              required: ['decision', 'code', 'rules'],
              properties: {
                decision: { enum: ['allow', 'deny', 'require_approval'] },
                code: { type: 'string' },
                rules: { type: 'array', items: { type: 'string' } },
              },
            },
            policy: { type: 'object', properties: { hash: { type: 'string' } } },
            ticket: {
              type: 'string',
              description: 'On allow: an EdDSA JWT (typ tollgate-ticket+jwt) for the executor',
            },
            audit: {
              type: 'object',
              description: "The decision's audit record",
              properties: { seq: { type: 'integer' }, hash: { type: 'string' } },
            },
            approval: {
              type: 'object',
              description: 'On require_approval: the pending approval to wait for',
              properties: {
                id: { type: 'string' },
                status: { type: 'string' },
                expires_at: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
        AgentView: { type: 'object', required: ['agent', 'trust', 'suspended', 'budgets', 'rates'] },
        Error: {
          type: 'object',
          required: ['error', 'request_id'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'retryable'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, retryable: { type: 'boolean' } },
            },
            request_id: { type: ['string', 'null'] },
          },
        },
      },
      responses: { Error: { description: 'The one error shape', ...json({ $ref: '#/components/schemas/Error' }) } },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness and the policy hash', responses: { 200: { description: 'ok' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'ok' } } } },
      '/v1/decide': {
        post: {
          summary: 'Decide one request for the calling agent',
          security: bearer,
          requestBody: json({ $ref: '#/components/schemas/DecisionRequest' }),
          responses: {
            200: { description: 'The decision', ...json({ $ref: '#/components/schemas/Decision' }) },
            400: error,
            401: error,
            403: error,
            409: error,
            413: error,
            503: error,
          },
        },
      },
      '/v1/decide/batch': {
        post: {
          summary: 'Decide up to 100 requests in order',
          security: bearer,
          requestBody: json({
            type: 'object',
            required: ['requests'],
            properties: {
              requests: {
                type: 'array',
                minItems: 1,
                maxItems: 100,
                items: { $ref: '#/components/schemas/DecisionRequest' },
              },
            },
          }),
          responses: {
            200: {
              description: 'One decision per request',
              ...json({
                type: 'object',
                properties: { results: { type: 'array', items: { $ref: '#/components/schemas/Decision' } } },
              }),
            },
            400: error,
            401: error,
            413: error,
            503: error,
          },
        },
      },
      '/v1/outcomes': {
        post: {
          summary:
            'Settle an allowed decision: its outcome and actual cost (the executor that redeemed its ticket, or an operator; never the agent)',
          security: bearer,
          requestBody: json({
            type: 'object',
            required: ['agent', 'decision', 'outcome'],
            additionalProperties: false,
            properties: {
              agent: { type: 'string' },
              decision: { type: 'string', pattern: '^dec_[0-9a-f]{32}$' },
              outcome: { enum: ['success', 'failure', 'exception', 'violation'] },
              cost: { type: 'object' },
            },
          }),
          responses: {
            200: { description: "The agent's state", ...json({ $ref: '#/components/schemas/AgentView' }) },
            400: error,
            401: error,
            403: error,
            409: error,
            503: error,
          },
        },
      },
      '/v1/agents/{id}': {
        get: {
          summary: "An agent's trust, budgets, rate windows, risk and suspension",
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'ok', ...json({ $ref: '#/components/schemas/AgentView' }) },
            401: error,
            403: error,
            503: error,
          },
        },
      },
      '/v1/agents': {
        get: {
          summary: "The tenant's agents inventory, as of each agent's last audit flush (operators)",
          security: bearer,
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'ok' }, 400: error, 401: error, 403: error, 503: error },
        },
      },
      '/v1/agents/{id}/suspend': {
        post: {
          summary: 'Kill switch (operators)',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok' }, 401: error, 403: error, 503: error },
        },
      },
      '/v1/agents/{id}/resume': {
        post: {
          summary: 'Lift the kill switch (operators)',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok' }, 401: error, 403: error, 503: error },
        },
      },
      '/v1/tenant': {
        get: {
          summary: 'Whether the tenant is halted (operators)',
          security: bearer,
          responses: { 200: { description: 'ok' }, 401: error, 403: error, 503: error },
        },
      },
      '/v1/tenant/halt': {
        post: {
          summary: 'Halt the tenant: every agent is suspended at once (operators)',
          security: bearer,
          responses: { 200: { description: 'ok' }, 401: error, 403: error, 503: error },
        },
      },
      '/v1/tenant/resume': {
        post: {
          summary: "Lift the tenant's halt (operators)",
          security: bearer,
          responses: { 200: { description: 'ok' }, 401: error, 403: error, 503: error },
        },
      },
      '/v1/policy': {
        get: {
          summary: "The active bundle's hash and rules",
          security: bearer,
          responses: { 200: { description: 'ok' }, 401: error },
        },
      },
      '/v1/policy/shadow': {
        get: {
          summary: "Each shadowed rule's flips in the last hour and day, from the audit index (operators)",
          security: bearer,
          responses: { 200: { description: 'ok' }, 401: error, 403: error, 503: error },
        },
      },
      '/v1/policy/bundle': {
        get: {
          summary: 'The active bundle, signed for embedders',
          security: bearer,
          responses: {
            200: {
              description: 'ok',
              ...json({
                type: 'object',
                required: ['version', 'hash', 'bundle', 'signature'],
                properties: {
                  version: { type: 'integer' },
                  hash: { type: 'string' },
                  bundle: { type: 'string', contentEncoding: 'base64' },
                  signature: { type: 'string' },
                },
              }),
            },
            401: error,
            503: error,
          },
        },
      },
      '/v1/tickets/redeem': {
        post: {
          summary: 'Redeem an execution ticket, once (executor tokens)',
          security: bearer,
          requestBody: json({
            type: 'object',
            required: ['ticket', 'action', 'resource'],
            additionalProperties: false,
            properties: {
              ticket: { type: 'string' },
              action: { type: 'string' },
              resource: { type: 'string' },
              params: { type: 'object' },
            },
          }),
          responses: { 200: { description: 'Redeemed' }, 400: error, 401: error, 403: error, 409: error, 503: error },
        },
      },
      '/v1/proxy': {
        post: {
          summary:
            'Forward a ticketed HTTP call to an egress upstream, with its secret injected (executor tokens). The ticket binds action egress.<upstream>, the URL as resource, and params { method, body }.',
          security: bearer,
          requestBody: json({
            type: 'object',
            required: ['ticket', 'method', 'url'],
            additionalProperties: false,
            properties: {
              ticket: { type: 'string' },
              method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] },
              url: { type: 'string', format: 'uri' },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
              body: { type: 'string' },
            },
          }),
          responses: {
            200: { description: "The upstream's answer, whatever its status (X-Tollgate-Upstream names it)" },
            400: error,
            401: error,
            403: error,
            409: error,
            413: error,
            502: error,
            503: error,
          },
        },
      },
      '/mcp/{upstream}': {
        post: {
          summary:
            'The MCP gateway (agent tokens): one JSON-RPC message of either protocol era for the upstream MCP server. tools/list is filtered to the tools the agent is served; tools/call is decided (action mcp.<upstream>.<tool>), forwarded and audited; everything else is relayed. Answers as the upstream does: JSON or an event stream.',
          security: bearer,
          requestBody: json({ type: 'object', required: ['jsonrpc'], properties: { jsonrpc: { const: '2.0' } } }),
          responses: {
            200: { description: 'A JSON-RPC answer, or an event stream of messages' },
            202: { description: 'A notification or response, accepted' },
            400: { description: 'Not one JSON-RPC message, or Mcp-Method/Mcp-Name headers that differ from it' },
            401: error,
            403: error,
            404: { description: 'No such upstream, or an MCP session not given to this agent' },
            413: error,
            415: { description: 'Not application/json' },
            502: error,
            503: error,
          },
        },
        get: {
          summary: "The 2025 line's server stream for a session, relayed (the upstream answers 405 where it has none)",
          security: bearer,
          responses: {
            200: { description: 'An event stream' },
            401: error,
            404: error,
            405: { description: 'No such stream' },
          },
        },
        delete: {
          summary: 'Ends a 2025-line session at the upstream (405 where it keeps none)',
          security: bearer,
          responses: { 200: { description: 'Ended' }, 401: error, 404: error, 405: { description: 'No sessions' } },
        },
      },
      '/v1/mcp/pins': {
        get: {
          summary: "The tenant's pinned MCP tool definitions (operators)",
          security: bearer,
          responses: {
            200: { description: '{ pins: [{ upstream, tool, hash, definition, approvedBy, approvedAt, note }] }' },
            401: error,
            403: error,
          },
        },
      },
      '/v1/mcp/{upstream}/tools': {
        get: {
          summary:
            "An MCP upstream's tools as offered now, each with its pin state (pinned, new, changed, shadowing), its diff against the pinned definition and the description scan's findings (operators)",
          security: bearer,
          responses: {
            200: {
              description: '{ upstream, tools: [{ name, state, hash, pinned_hash, changes, findings, definition }] }',
            },
            401: error,
            403: error,
            404: error,
            502: error,
          },
        },
      },
      '/v1/mcp/{upstream}/pins': {
        post: {
          summary: "Pins a tool's definition as offered now: hash must be the one /tools shows (operators)",
          security: bearer,
          requestBody: json({
            type: 'object',
            required: ['tool', 'hash'],
            additionalProperties: false,
            properties: { tool: { type: 'string' }, hash: { type: 'string' }, note: { type: 'string' } },
          }),
          responses: {
            201: { description: '{ pin, state }' },
            400: error,
            401: error,
            403: error,
            404: error,
            409: error,
            502: error,
          },
        },
      },
      '/v1/mcp/{upstream}/pins/{tool}': {
        delete: {
          summary: 'Unpins a tool: agents no longer see it (operators)',
          security: bearer,
          responses: { 200: { description: '{ removed: true }' }, 401: error, 403: error, 404: error },
        },
      },
      '/v1/introspect': {
        post: {
          summary: 'RFC 7662 introspection of agent and operator tokens and tickets (operators and executors)',
          security: bearer,
          requestBody: {
            content: {
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
              },
            },
          },
          responses: { 200: { description: '{ active, ... }' }, 400: error, 401: error, 403: error },
        },
      },
      '/v1/audit': {
        get: {
          summary: "Search the tenant's audit records, newest first (operators); includes records not yet flushed",
          security: bearer,
          parameters: [
            ...auditFilters,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            200: { description: '{ records: [{ hash, record }], next_cursor }' },
            400: error,
            401: error,
            403: error,
            503: error,
          },
        },
      },
      '/v1/audit/summary': {
        get: {
          summary:
            "The tenant's decisions per minute by decision, and denies by code, from the audit index (operators)",
          security: bearer,
          parameters: [{ name: 'minutes', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1440 } }],
          responses: { 200: { description: 'ok' }, 400: error, 401: error, 403: error, 503: error },
        },
      },
      '/v1/audit/export': {
        get: {
          summary: 'Stream the matching audit records (operators)',
          security: bearer,
          parameters: [
            ...auditFilters,
            { name: 'format', in: 'query', schema: { enum: ['ndjson', 'csv', 'ocsf'], default: 'ndjson' } },
          ],
          responses: {
            200: { description: 'NDJSON, CSV or OCSF (NDJSON of API Activity events)' },
            400: error,
            401: error,
            403: error,
            503: error,
          },
        },
      },
      '/v1/audit/segments': {
        get: {
          summary: "An agent's raw audit segments, for verifying offline (operators)",
          security: bearer,
          parameters: [
            { name: 'agent', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            200: { description: '{ agent, flushed: { seq, hash }, segments: [{ key, text }], next_cursor }' },
            400: error,
            401: error,
            403: error,
            503: error,
          },
        },
      },
      '/v1/audit/verify': {
        get: {
          summary:
            "Verify an agent's audit chain: R2 segments, checkpoints, the D1 index and the pending tail (operators)",
          security: bearer,
          parameters: [{ name: 'agent', in: 'query', required: true, schema: { type: 'string' } }],
          responses: {
            200: {
              description: '{ ok: true, records, segments, indexed, pending, head } or { ok: false, seq, reason }',
            },
            400: error,
            401: error,
            403: error,
            503: error,
          },
        },
      },
      '/v1/delegations': {
        post: {
          summary: 'Mint a delegation token for a child agent, with rights narrowed from the caller’s',
          security: bearer,
          requestBody: json({
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', description: "the child's name; its id is <delegator id>/<name>" },
              actions: { type: 'array', items: { type: 'string' } },
              resources: { type: 'array', items: { type: 'string' } },
              roles: { type: 'array', items: { type: 'string' } },
              budget_usd: { type: 'number', minimum: 0 },
              ttl_seconds: { type: 'integer', minimum: 1 },
            },
          }),
          responses: {
            201: {
              description:
                '{ token, agent, jti, exp, depth, root, chain, actions, resources, roles, budget_usd, trust_ceiling }',
            },
            400: error,
            401: error,
            403: error,
            503: error,
          },
        },
      },
      '/v1/delegations/revoke': {
        post: {
          summary:
            'Revoke a delegation ({ token }: an operator or an agent above it) or every chain an agent is in ({ agent }: operators)',
          security: bearer,
          requestBody: json({
            type: 'object',
            additionalProperties: false,
            properties: { token: { type: 'string' }, agent: { type: 'string' } },
          }),
          responses: { 200: { description: '{ revoked }' }, 400: error, 401: error, 403: error, 503: error },
        },
      },
      '/v1/approvals': {
        get: {
          summary: "The tenant's approvals, newest first (operators); with agent, read from the agent's object",
          security: bearer,
          parameters: [
            { name: 'agent', in: 'query', schema: { type: 'string' } },
            { name: 'status', in: 'query', schema: { enum: ['pending', 'approved', 'denied', 'expired'] } },
          ],
          responses: { 200: { description: '{ approvals: [...] }' }, 400: error, 401: error, 403: error, 503: error },
        },
      },
      '/v1/approvals/{id}': {
        get: {
          summary:
            'One approval (its agent or operators); wait=N long-polls up to 30 s while pending; the agent gets a ticket once approved',
          security: bearer,
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'wait', in: 'query', schema: { type: 'number', minimum: 0, maximum: 30 } },
          ],
          responses: {
            200: { description: '{ approval, decision, ticket? }' },
            400: error,
            401: error,
            403: error,
            404: error,
            503: error,
          },
        },
      },
      '/v1/approvals/{id}/approve': settleApproval('Approve a pending request (operators; never the requesting agent)'),
      '/v1/approvals/{id}/deny': settleApproval('Deny a pending request (operators)'),
      '/.well-known/jwks.json': {
        get: {
          summary: 'The public keys that verify bundles, tickets and audit checkpoints',
          responses: { 200: { description: 'A JWKS' } },
        },
      },
    },
  };
}
