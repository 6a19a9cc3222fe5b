/**
 * The `time` field of every log line, as pino's isoTime writes it
 * (`,"time":"2026-12-03T14:17:20.123Z"`), without formatting a Date per line:
 * the text up to the second changes once a second, so it is kept and only the
 * milliseconds are written. On the admission path this is one line per
 * decision, and `toISOString` cost about a tenth of the line.
 */
let second = Number.NaN;
let prefix = '';

export function timeField(now: number): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    const iso = new Date(s * 1000).toISOString();
    // Years past 9999 or before 0 are spelled differently (±YYYYYY); they take the plain path.
    if (iso.length !== 24) return `,"time":"${new Date(now).toISOString()}"`;
    second = s;
    prefix = `,"time":"${iso.slice(0, 20)}`;
  }
  const ms = now - s * 1000;
  return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}
