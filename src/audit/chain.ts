/**
 * @module
 * The audit hash chain: each record is RFC 8785 canonical JSON, and
 * `hash = SHA-256(prev_hash ‖ canonical(record))`, with 32 zero bytes before the first.
 * Web APIs only, so the edge, the CLI and embedders verify the same way.
 */
import { sha256 } from '../policy/bundle/sha256.js';
import type { JsonValue } from '../policy/decision.js';
import { canonicalJson } from '../tokens/canonical.js';

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
  'approval_request',
  'approval_approve',
  'approval_deny',
  'approval_expire',
  'delegation_issue',
  'delegation_revoke',
  'bundle_change',
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

const utf8 = new TextEncoder();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A hex digit's value by char code ('0'-'9', 'a'-'f'). */
function nibble(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (nibble(hex.charCodeAt(i * 2)) << 4) | nibble(hex.charCodeAt(i * 2 + 1));
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]];
  return hex;
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
  for (let i = 0; i < 32; i++) input[i] = (nibble(prevHash.charCodeAt(i * 2)) << 4) | nibble(prevHash.charCodeAt(i * 2 + 1));
  return input;
}

/** The chain hash of `record` after `prevHash` (hex), synchronously. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return bytesToHex(sha256(chainInput(prevHash, record)));
}

/**
 * How to hash a link: `SHA-256(prev_hash bytes ‖ UTF-8 of the canonical record text)`, as
 * hex. The default is plain TypeScript (it runs everywhere); the CLI passes Node's native
 * one (`src/audit/node-link-hash.ts`).
 */
export type LinkHash = (prevHash: string, canonicalText: string) => string;

/**
 * The chain hash of a record given as text, hashing the text as it is. Equal to
 * `chainHash` exactly when the text is the record's canonical JSON, which is how segments
 * store records: verifying then needs no re-serialisation.
 */
export const chainHashOfText: LinkHash = (prevHash, canonicalText) => bytesToHex(sha256(chainInputOfText(prevHash, canonicalText)));

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
