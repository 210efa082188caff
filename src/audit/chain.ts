/**
 * @module
 * The audit hash chain: each record is RFC 8785 canonical JSON, and
 * `hash = SHA-256(prev_hash ‖ canonical(record))`, with 32 zero bytes before the first.
 * Web APIs only, so the edge, the CLI and embedders verify the same way.
 */
import { fromHex, toHex, utf8 } from '../lib/encoding.js';
import { canonicalJson, type JsonValue } from '../lib/json.js';
import { sha256 } from '../lib/sha256.js';

export const GENESIS_HASH = '0'.repeat(64);

/** What an audit record can be about. */
export const AUDIT_KINDS = [
  'decision',
  'outcome',
  'suspend',
  'resume',
  'ticket_issue',
  'ticket_redeem',
  'ticket_replay',
  'ticket_refused',
  'approval_request',
  'approval_approve',
  'approval_deny',
  'approval_expire',
  'delegation_issue',
  'delegation_revoke',
  'bundle_change',
  'egress',
  'tool_call',
  'tool_held',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One audited event. `seq` counts from 1 per agent. */
export interface AuditRecord {
  seq: number;
  time: string;
  tenant: string;
  agent: string;
  kind: AuditKind;
  [field: string]: JsonValue;
}

/** A record as stored: the record and its chain hash. */
export interface ChainedRecord {
  record: AuditRecord;
  hash: string;
  /** The record's canonical JSON, when the writer kept it (so it need not be serialised again). */
  text?: string;
}

/** What the chain hashes for a record: the previous hash's 32 bytes, then the canonical record. */
export function chainInput(prevHash: string, record: AuditRecord): Uint8Array<ArrayBuffer> {
  return chainInputOfText(prevHash, canonicalJson(record as JsonValue));
}

/** The same, for a record already in canonical text. */
function chainInputOfText(prevHash: string, text: string): Uint8Array<ArrayBuffer> {
  // ASCII, the common case, is copied a byte a character; anything else goes through TextEncoder.
  let input = new Uint8Array(32 + text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      const body = utf8.encode(text);
      input = new Uint8Array(32 + body.length);
      input.set(body, 32);
      break;
    }
    input[32 + i] = c;
  }
  fromHex(prevHash.slice(0, 64), input, 0);
  return input;
}

/** The chain hash of `record` after `prevHash` (hex), synchronously. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return toHex(sha256(chainInput(prevHash, record)));
}

/**
 * How to hash a link: `SHA-256(prev_hash bytes ‖ UTF-8 of the canonical record text)`, as
 * hex. The default is plain TypeScript (it runs everywhere); the CLI passes Node's native
 * one (`src/cli/node-link-hash.ts`).
 */
export type LinkHash = (prevHash: string, canonicalText: string) => string;

/**
 * The chain hash of a record given as text, hashing the text as it is. Equal to
 * `chainHash` exactly when the text is the record's canonical JSON, which is how segments
 * store records: verifying then needs no re-serialisation.
 */
export const chainHashOfText: LinkHash = (prevHash, canonicalText) =>
  toHex(sha256(chainInputOfText(prevHash, canonicalText)));

/** Appends records to a chain whose head is `prevHash`, numbering them from `nextSeq`. */
export class ChainWriter {
  constructor(
    private head: string = GENESIS_HASH,
    private nextSeq = 1,
  ) {}

  get headHash(): string {
    return this.head;
  }

  append(fields: Omit<AuditRecord, 'seq'>): ChainedRecord {
    const record = { ...fields, seq: this.nextSeq++ } as AuditRecord;
    this.head = chainHash(this.head, record);
    return { record, hash: this.head };
  }
}
