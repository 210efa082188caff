/**
 * A generated agent policy of N rules, and the same policy translated for the peers:
 * Cedar (permit/forbid) and CEL (one expression per rule, indexed by action in JS).
 * Each rule names one tool action, a resource prefix, roles, and a `when` over trust
 * and context. Every rule is an allow or a deny, so all three engines can express it.
 */
import type { EvalRequest } from '../../src/policy/verdict.js';

export interface BenchRule {
  id: string;
  effect: 'allow' | 'deny';
  action: string;
  envPrefix: string;
  role: string;
  minTrust: number;
  maxRows: number;
}

const ENVS = ['prod', 'staging', 'dev'];
const ROLES = ['analyst', 'engineer', 'sre', 'assistant'];

/** N rules over N/5 tools, so each action has about five candidate rules at any size. */
export function benchRules(n: number): BenchRule[] {
  const tools = Math.max(2, Math.floor(n / 5));
  return Array.from({ length: n }, (_, i) => ({
    id: `rule-${String(i).padStart(5, '0')}`,
    effect: i % 7 === 3 ? 'deny' : 'allow',
    action: `tool${i % tools}.call`,
    envPrefix: `res:${ENVS[i % 3]}/`,
    role: ROLES[i % 4],
    minTrust: (i * 13) % 90,
    maxRows: 100 + ((i * 37) % 5000),
  }));
}

/** The policy as Tollgate files, 2,000 rules a file (each file stays under the 1 MiB limit). */
export function toTollgateFiles(rules: BenchRule[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < rules.length; i += 2000)
    files[`bench-${String(i / 2000).padStart(2, '0')}.yaml`] = toTollgateYaml(rules.slice(i, i + 2000));
  return files;
}

/** `limits`, when given, is each allow rule's `limits:` value (a rate and a budget, say). */
export function toTollgateYaml(rules: BenchRule[], limits?: string): string {
  const lines = ['rules:'];
  for (const r of rules) {
    lines.push(
      `  - id: ${r.id}`,
      `    effect: ${r.effect}`,
      `    actions: ["${r.action}"]`,
      `    resources: ["${r.envPrefix}**"]`,
      `    roles: [${r.role}]`,
      `    when: agent.trust >= ${r.minTrust} && context.rows <= ${r.maxRows} && context.hour >= 8 && context.hour < 20`,
    );
    if (limits && r.effect === 'allow') lines.push(`    limits: ${limits}`);
  }
  return `${lines.join('\n')}\n`;
}

export function toCedar(rules: BenchRule[]): string {
  return rules
    .map(
      (r) =>
        `@id("${r.id}")\n${r.effect === 'allow' ? 'permit' : 'forbid'}(principal, action == Action::"${r.action}", resource)\n` +
        `when { resource.name like "${r.envPrefix}*" && principal.roles.contains("${r.role}") && principal.trust >= ${r.minTrust} && context.rows <= ${r.maxRows} && context.hour >= 8 && context.hour < 20 };`,
    )
    .join('\n\n');
}

/** CEL condition of one rule (its action is matched by the JS index). */
export function toCel(r: BenchRule): string {
  return `resource.startsWith("${r.envPrefix}") && "${r.role}" in agent.roles && agent.trust >= ${r.minTrust}.0 && context.rows <= ${r.maxRows}.0 && context.hour >= 8.0 && context.hour < 20.0`;
}

/** Requests with 12 context fields, spread over the tools, roles, environments and hours. */
export function benchRequests(rules: BenchRule[], count: number): EvalRequest[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  return Array.from({ length: count }, (_, i) => {
    const rule = rules[rand(rules.length)];
    return {
      action: i % 10 === 9 ? 'tool-unknown.call' : rule.action,
      resource: `res:${ENVS[rand(3)]}/db${rand(5)}`,
      agent: { id: `agent-${rand(20)}`, roles: [ROLES[rand(4)], ROLES[rand(4)]] },
      context: {
        rows: rand(6000),
        hour: rand(24),
        region: 'eu-west-1',
        session: `s-${rand(1000)}`,
        model: 'gpt-4o-mini',
        retries: rand(3),
        temperature_pct: 20,
        source: 'scheduler',
        batch: rand(2) === 1,
        priority: rand(5),
        tenant_tier: 'gold',
        ticket: `T-${rand(9999)}`,
      },
      facts: { trust: rand(100) },
    };
  });
}
