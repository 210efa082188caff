/**
 * Identity: an agent is the (tenant, id) pair from a verified token, and nothing an agent
 * sends or names can make it another agent.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/embed/engine.js';
import { compilePolicies } from '../../../src/policy/compile.js';
import { POLICY_WASM } from '../../../src/worker/policy-source.js';
import { actAndReport } from '../flows.js';
import { call } from '../http.js';
import { agentToken, operatorToken, token } from '../tokens.js';

const embed = { action: 'llm.embed', resource: 'llm:openai', cost: { usd: 10 } };
const prodRead = { action: 'db.query', resource: 'db:prod/users', params: { sql: 'select 1' } };

describe('identity', () => {
  it('tenant demo agent x:y and tenant demo:x agent y are different agents at the edge', async () => {
    const a = await token({ sub: 'x:y', tenant: 'demo', roles: ['assistant'] });
    const b = await token({ sub: 'y', tenant: 'demo:x', roles: ['assistant'] });
    // Each has its own $10/day: the first spending all of it leaves the second untouched.
    expect((await call('POST', '/v1/decide', { token: a, body: embed })).body.decision).toBe('allow');
    expect((await call('POST', '/v1/decide', { token: a, body: embed })).body.code).toBe('budget_exceeded');
    expect((await call('POST', '/v1/decide', { token: b, body: embed })).body.decision).toBe('allow');
    // And each reads only its own state and chain.
    const stateA = (await call('GET', `/v1/agents/${encodeURIComponent('x:y')}`, { token: a })).body;
    const stateB = (await call('GET', '/v1/agents/y', { token: b })).body;
    expect([stateA.agent, stateB.agent]).toEqual([
      { id: 'x:y', tenant: 'demo' },
      { id: 'y', tenant: 'demo:x' },
    ]);
    const chainA = (
      await call('GET', `/v1/audit?kind=decision&agent=${encodeURIComponent('x:y')}`, {
        token: await token({ sub: 'ops', tenant: 'demo', role: 'operator', typ: 'tollgate-operator+jwt' }),
      })
    ).body.records;
    expect(chainA.map((r: { record: { agent: string; code: string } }) => [r.record.agent, r.record.code])).toEqual([
      ['x:y', 'budget_exceeded'],
      ['x:y', 'rule'],
    ]);
  });

  it('tenant demo agent x:y and tenant demo:x agent y are different agents in the embed engine', async () => {
    const engine = await createEngine({
      bundle: compilePolicies({
        'p.yaml': 'rules:\n  - id: spend\n    effect: allow\n    limits: { spend: { usd: 10, per: day } }\n',
      }),
      wasm: POLICY_WASM,
    });
    const ask = (agent: { id: string; tenant: string }) =>
      engine.decide({ agent, action: 'llm.embed', resource: 'r', cost: { usd: 10 } });
    expect(ask({ tenant: 'demo', id: 'x:y' }).decision).toBe('allow');
    expect(ask({ tenant: 'demo', id: 'x:y' }).code).toBe('budget_exceeded');
    expect(ask({ tenant: 'demo:x', id: 'y' }).decision).toBe('allow');
  });

  it('a token without a string tenant gets 401', async () => {
    for (const tenant of [undefined, 7, '', ['acme'], null]) {
      const res = await call('POST', '/v1/decide', {
        token: await token({ sub: 'no-tenant', tenant: tenant as never }),
        body: embed,
      });
      expect(res.status, JSON.stringify(tenant)).toBe(401);
      expect(res.body.error.message).toBe('token claim tenant must be a non-empty string');
    }
    const operator = await token({ sub: 'ops', tenant: 3 as never, role: 'operator', typ: 'tollgate-operator+jwt' });
    expect((await call('GET', '/v1/approvals', { token: operator })).status).toBe(401);
  });

  it("a delegated child's id is <delegator>/<name> and can never be an existing agent's", async () => {
    // The attack: delegate to the victim's id, then act as the victim.
    const victim = await agentToken('victim-1', ['analyst']);
    const attacker = await agentToken('attacker-1', ['analyst']);
    const minted = await call('POST', '/v1/delegations', { token: attacker, body: { name: 'victim-1' } });
    expect(minted.status).toBe(201);
    expect(minted.body.agent).toBe('attacker-1/victim-1');
    // The child's decisions are its own: the victim's state is untouched, whatever the child does.
    for (let i = 0; i < 6; i++)
      await call('POST', '/v1/decide', {
        token: minted.body.token,
        body: { action: 'shell.exec', resource: 'host:x' },
      });
    expect((await call('GET', '/v1/agents/victim-1', { token: victim })).body).toMatchObject({
      agent: { id: 'victim-1' },
      suspended: false,
      trust: 50,
    });
    expect((await call('GET', '/v1/agents/victim-1', { token: minted.body.token })).status).toBe(403);
    // An identity provider's id can't hold a '/', so no token can name a child either.
    const forged = await agentToken('attacker-1/victim-1', ['analyst']);
    expect((await call('POST', '/v1/decide', { token: forged, body: embed })).status).toBe(401);
    // And a name can't climb out from under its delegator.
    expect((await call('POST', '/v1/delegations', { token: attacker, body: { name: '../victim-1' } })).status).toBe(
      400,
    );
  });

  it('the trust ceiling holds on every decision of the child, not only its first', async () => {
    const lead = 'ceiling-lead';
    const parent = await agentToken(lead, ['analyst']);
    const { body: child } = await call('POST', '/v1/delegations', {
      token: parent,
      body: { name: 'reader', resources: ['db:**', 'llm:**'] },
    });
    expect(child.trust_ceiling).toBe(50);
    const childId = `${lead}/reader`;
    // The child's own record earns trust 70 (ten successes an operator reports), past what production needs...
    const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } };
    for (let i = 0; i < 10; i++) {
      const decided = await call('POST', '/v1/decide', { token: child.token, body: chat });
      expect(decided.body.decision).toBe('allow');
      await call('POST', '/v1/outcomes', {
        token: await operatorToken(),
        body: { agent: childId, decision: decided.body.id, outcome: 'success' },
      });
    }
    expect((await call('GET', `/v1/agents/${encodeURIComponent(childId)}`, { token: child.token })).body.trust).toBe(
      70,
    );
    // ...yet every decision sees at most its delegator's 50.
    for (let i = 0; i < 3; i++)
      expect((await call('POST', '/v1/decide', { token: child.token, body: prodRead })).body).toMatchObject({
        decision: 'deny',
        code: 'no_match',
      });
    // The parent with the same trust 70 would be allowed: the ceiling, not the rule, holds the child back.
    for (let i = 0; i < 10; i++) await actAndReport(lead, ['analyst'], chat, 'success');
    expect((await call('POST', '/v1/decide', { token: parent, body: prodRead })).body.decision).toBe('allow');
  });
});
