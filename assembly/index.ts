/**
 * Tollgate's policy evaluator, compiled to `policy.wasm`.
 *
 * The host loads a bundle once (`alloc_bundle`, write bytes, `load_bundle`), then for each
 * decision writes the encoded request at `input_ptr()` and calls `decide(length)` once.
 * Nothing is allocated per decision, and no input can make it trap: every problem is a
 * status code, which the host turns into deny.
 */
import {
  ABI_MINOR_NUMBER, ABI_VERSION_NUMBER, INPUT_CAPACITY, STATUS_BAD_BUNDLE, STATUS_BAD_REQUEST, STATUS_NO_BUNDLE,
  STATUS_OK, STATUS_REQUEST_TOO_LARGE,
} from './abi';
import { loadBundle, ruleCount } from './bundle';
import { Areas, decideRequest, outputBytes } from './decide';
import { buildInternTable, internCapacity } from './intern';
import { adoptRequest, prepareRequestKeys } from './request';
import { regexWorkBytes, setRegexWork } from './regex';
import { Arena } from './vm';

/** The ABI's major version: bundles must carry the same. */
export const ABI_VERSION: u32 = ABI_VERSION_NUMBER;
/** The ABI's minor version: the host refuses an evaluator older than it needs. */
export const ABI_MINOR: u32 = ABI_MINOR_NUMBER;

let bundlePtr: u32 = 0;
let bundleCap: u32 = 0;
let inputPtr: u32 = 0;
let loaded = false;

function reserve(bytes: u32): u32 {
  return <u32>heap.alloc(<usize>bytes);
}

/** Space for a bundle of `len` bytes; the host writes the bundle there, then calls `load_bundle`. */
export function alloc_bundle(len: u32): u32 {
  if (len > bundleCap) {
    bundlePtr = reserve(len);
    bundleCap = len;
  }
  loaded = false;
  return bundlePtr;
}

/** Validates and adopts the bundle written at `alloc_bundle`'s pointer. Returns a status. */
export function load_bundle(len: u32): u32 {
  loaded = false;
  if (len > bundleCap || !loadBundle(bundlePtr, len)) return STATUS_BAD_BUNDLE;
  if (inputPtr == 0) inputPtr = reserve(INPUT_CAPACITY);
  Areas.out = reserve(outputBytes(ruleCount));
  Areas.marks = reserve(ruleCount * 4 + 4);
  memory.fill(Areas.marks, 0, ruleCount * 4);
  Areas.matched = reserve(ruleCount * 4 + 4);
  Areas.errKind = reserve(ruleCount * 4 + 4);
  Areas.errDetail = reserve(ruleCount * 4 + 4);
  Areas.errRules = reserve(ruleCount * 4 + 4);
  Arena.size = INPUT_CAPACITY * 2;
  if (Arena.at == 0) Arena.at = reserve(Arena.size);
  setRegexWork(reserve(regexWorkBytes()));
  const capacity = internCapacity();
  buildInternTable(reserve(capacity * 4), capacity);
  prepareRequestKeys();
  loaded = true;
  return STATUS_OK;
}

export function input_ptr(): u32 {
  return inputPtr;
}
export function input_capacity(): u32 {
  return INPUT_CAPACITY;
}
export function output_ptr(): u32 {
  return Areas.out;
}

/** Decides the request of `len` bytes at `input_ptr()`. Returns a status code. */
export function decide(len: u32): u32 {
  if (!loaded) return STATUS_NO_BUNDLE;
  if (len > INPUT_CAPACITY) return STATUS_REQUEST_TOO_LARGE;
  if (!adoptRequest(inputPtr, len)) return STATUS_BAD_REQUEST;
  return decideRequest(inputPtr);
}
