/**
 * Where the DLP detectors run: redaction spans over the strings in params (in encoding
 * order), and the deny detectors, built-in then custom, over the DLP views the host built
 * (`src/policy/dlp-views.ts`), stopping at the first hit.
 */
import {
  ContainerValue, DETECTOR_COUNT, RedactionOut, MAX_REDACTIONS, StringValue, TAG_LIST, TAG_OBJECT, TAG_STRING,
} from './abi';
import { customDetectorCount, customDetectorRegex } from './bundle';
import { scan } from './dlp';
import { regexMatch } from './regex';
import { afterKey, skipValue, valueTag } from './values';

/** The first deny hit: the detector (custom ones numbered after the built-in) and the view's index. */
export class DlpHit {
  static detector: u32 = 0;
  static view: u32 = 0;
}

let ordinal: u32 = 0;
let walkDetector: u32 = 0;
let redactionCount: u32 = 0;
let redactionsAt: u32 = 0;
let overflow = false;
let redactMask: u32 = 0;

function recordRedaction(start: u32, end: u32): bool {
  if (redactionCount >= MAX_REDACTIONS) {
    overflow = true;
    return false;
  }
  const r = RedactionOut.at(redactionsAt, redactionCount);
  RedactionOut.setString(r, ordinal);
  RedactionOut.setStart(r, start);
  RedactionOut.setEnd(r, end);
  RedactionOut.setDetector(r, walkDetector);
  redactionCount++;
  return true;
}

function redactString(p: u32, len: u32): bool {
  for (let d: u32 = 0; d < DETECTOR_COUNT; d++) {
    if ((redactMask & (1 << d)) == 0) continue;
    walkDetector = d;
    if (scan(d, p, len, false, recordRedaction) < 0) return false;
  }
  ordinal++;
  return true;
}

/** Depth-first over values in encoding order; false stops the walk. */
function walkStrings(v: u32): bool {
  const tag = valueTag(v);
  if (tag == TAG_STRING) return redactString(StringValue.after(v), StringValue.length(v));
  if (tag != TAG_LIST && tag != TAG_OBJECT) return true;
  const count = ContainerValue.count(v);
  let q = ContainerValue.after(v);
  for (let i: u32 = 0; i < count; i++) {
    if (tag == TAG_OBJECT) q = afterKey(q);
    if (!walkStrings(q)) return false;
    q = skipValue(q);
  }
  return true;
}

/** Writes the redaction spans of `mask`'s detectors at `at`; their count, or -1 past MAX_REDACTIONS. */
export function redactParams(mask: u32, params: u32, at: u32): i32 {
  redactMask = mask;
  redactionsAt = at;
  redactionCount = 0;
  overflow = false;
  ordinal = 0;
  if (mask != 0) walkStrings(params);
  return overflow ? -1 : <i32>redactionCount;
}

function ignoreMatch(start: u32, end: u32): bool {
  return true;
}

/** Whether a deny detector fires on any view in the list at `views`; the hit is in `DlpHit`. */
export function findSecret(denyMask: u32, views: u32): bool {
  const count = ContainerValue.count(views);
  let q = ContainerValue.after(views);
  for (let k: u32 = 0; k < count; k++) {
    const p = StringValue.after(q);
    const len = StringValue.length(q);
    for (let d: u32 = 0; d < DETECTOR_COUNT; d++) {
      if ((denyMask & (1 << d)) != 0 && scan(d, p, len, true, ignoreMatch) > 0) return hit(d, k);
    }
    for (let c: u32 = 0; c < customDetectorCount; c++) {
      if (regexMatch(customDetectorRegex(c), p, len)) return hit(DETECTOR_COUNT + c, k);
    }
    q = skipValue(q);
  }
  return false;
}

function hit(detector: u32, view: u32): bool {
  DlpHit.detector = detector;
  DlpHit.view = view;
  return true;
}
