/**
 * @module
 * Pinned tool definitions. What an operator approves is a tool's definition: its canonical
 * name, title, description, input and output schemas and annotations, hashed as canonical
 * JSON. The gateway shows an agent only tools whose definition is pinned as it is now: a
 * new tool, a changed one (its diff is audited), and one whose name shadows another's are
 * hidden until an operator approves them.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { sha256DigestOfJson } from '../lib/digest.js';
import type { JsonObject, JsonValue } from '../lib/json.js';
import { normalizeForDlp } from '../policy/dlp-views.js';

/** The parts of a tool's definition a pin covers, in a fixed shape (absent parts are null). */
export function pinnedDefinition(tool: Tool): JsonObject {
  return {
    name: tool.name,
    title: (tool.title as JsonValue | undefined) ?? null,
    description: tool.description ?? null,
    input_schema: tool.inputSchema as JsonValue,
    output_schema: (tool.outputSchema as JsonValue | undefined) ?? null,
    annotations: (tool.annotations as JsonValue | undefined) ?? null,
  };
}

/** `sha256:<hex>` of the pinned definition's canonical JSON. */
export function toolPinHash(tool: Tool): string {
  return sha256DigestOfJson(pinnedDefinition(tool));
}

/** One part of a definition that changed since it was pinned. */
export interface DefinitionChange {
  field: string;
  before: JsonValue;
  after: JsonValue;
}

/** What changed between the pinned definition and the current one (all of it, for a tool never pinned). */
export function definitionDiff(pinned: JsonObject | null, current: Tool): DefinitionChange[] {
  const now = pinnedDefinition(current);
  return Object.keys(now)
    .filter((field) => JSON.stringify(pinned?.[field] ?? null) !== JSON.stringify(now[field]))
    .map((field) => ({ field, before: pinned?.[field] ?? null, after: now[field] }));
}

export type PinState = 'pinned' | 'new' | 'changed' | 'shadowing';

/** Text as a person (or a model) would read it: NFKC, no invisible characters, look-alikes as Latin, any case. */
export function readAs(text: string): string {
  return normalizeForDlp(text).toLowerCase();
}

/** What a tool name looks like: as read, with the characters that pass for one another in names made one (I, l, 1, |; 0, o; rn, m). */
export function nameSkeleton(name: string): string {
  return readAs(normalizeForDlp(name).replace(/[I|1]/g, 'l').replace(/0/g, 'o'))
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w');
}

/**
 * Each tool's state against the upstream's pins (tool name → pin hash). `otherNames` are
 * the tool names the agent can already see elsewhere (other upstreams). A tool is
 * `shadowing` when it reads as another tool's name without being it (`send_emaiI` beside
 * `send_email`, here or on another upstream), or its name is twice in one list: it could take
 * the calls meant for that one, so it stays hidden even if someone pins it. The same name on
 * another upstream is not shadowing: clients tell servers apart by name.
 */
export function pinStates(
  tools: readonly Tool[],
  pins: ReadonlyMap<string, string>,
  otherNames: readonly string[] = [],
): { tool: Tool; hash: string; state: PinState }[] {
  const readings = new Map<string, string[]>();
  for (const name of [...tools.map((t) => t.name), ...otherNames]) {
    const key = nameSkeleton(name);
    readings.set(key, [...(readings.get(key) ?? []), name]);
  }
  return tools.map((tool) => {
    const hash = toolPinHash(tool);
    const alike = readings.get(nameSkeleton(tool.name)) ?? [];
    // A look-alike anywhere shadows; the same name shadows only within one list (clients tell
    // servers apart by name, so two upstreams may each offer a `search`).
    const shadowing = alike.some((n) => n !== tool.name) || tools.filter((t) => t.name === tool.name).length > 1;
    if (shadowing) return { tool, hash, state: 'shadowing' };
    const pinned = pins.get(tool.name);
    return { tool, hash, state: pinned === undefined ? 'new' : pinned === hash ? 'pinned' : 'changed' };
  });
}
