/**
 * The time zone a schedule names: an IANA name ("Europe/Paris"), a US zone in words ("Eastern
 * time"), a city ("London time") or a common abbreviation ("EST", "CET").
 */
import type { ScheduleScan } from './schedule-spans.ts';

const TZ_ABBREVIATIONS: Readonly<Record<string, string>> = {
  UTC: 'UTC',
  GMT: 'UTC',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CT: 'America/Chicago',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  MT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  BST: 'Europe/London',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
};
/** The abbreviations above as a regex alternation, for readers that must know a zone can follow a time. */
export const ZONE_ABBREVIATIONS = Object.keys(TZ_ABBREVIATIONS)
  .sort((a, b) => b.length - a.length)
  .join('|');

const US_ZONES: Readonly<Record<string, string>> = {
  eastern: 'America/New_York',
  central: 'America/Chicago',
  mountain: 'America/Denver',
  pacific: 'America/Los_Angeles',
};

/** "new york" → America/New_York, built from the runtime's zone list on each call (cheap, and no module state). */
function zoneOfCity(city: string): string | undefined {
  const wanted = city.toLowerCase();
  return Intl.supportedValuesOf('timeZone').find(
    (zone) => zone.includes('/') && zone.split('/').pop()?.replace(/_/g, ' ').toLowerCase() === wanted,
  );
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const ZONE_MATCHERS: readonly (readonly [RegExp, (m: RegExpExecArray) => string | undefined])[] = [
  [
    /\b(?:in\s+)?([A-Z][A-Za-z_]+\/[A-Z][A-Za-z_-]+(?:\/[A-Z][A-Za-z_-]+)?)\b(?:\s+time)?/,
    (m) => (isTimeZone(m[1] ?? '') ? m[1] : undefined),
  ],
  [/\b(?:in\s+)?(eastern|central|mountain|pacific)(?:\s+(?:standard|daylight))?\s+time\b/i, (m) => US_ZONES[(m[1] ?? '').toLowerCase()]],
  [/\b(?:in\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+time\b/, (m) => zoneOfCity(m[1] ?? '')],
  [new RegExp(`\\b(?:in\\s+)?(${ZONE_ABBREVIATIONS})\\b`), (m) => TZ_ABBREVIATIONS[m[1] ?? '']],
];

/** The first time zone the text names, or null; its phrase becomes a soft cut of `scan`. */
export function readZone(scan: ScheduleScan): string | null {
  for (const [pattern, zoneOf] of ZONE_MATCHERS) {
    const match = pattern.exec(scan.input);
    const zone = match === null ? undefined : zoneOf(match);
    if (match === null || zone === undefined) continue;
    scan.softCuts.push([match.index, match.index + match[0].length]);
    return zone;
  }
  return null;
}
