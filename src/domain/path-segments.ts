// Issue paths are rendered strings (`steps[2].agent`, `inputs["a b"]`); clients that highlight
// a form field want the segments. This reads both renderings back: formatPath's
// (schemas/issues.ts) and appendPath's, which quotes keys that are not plain names.

/**
 * The segments of a rendered path, array indices as strings: `steps[2].agent` →
 * `['steps', '2', 'agent']`, `inputs["a b"]` → `['inputs', 'a b']`, `''` → `[]`. A key that
 * was rendered unquoted although it holds `.` or `[` cannot be told apart and is split.
 */
export function pathSegments(path: string): string[] {
  const segments: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '.') {
      i += 1;
      continue;
    }
    if (path[i] === '[') {
      const quoted = /^\["((?:\\.|[^"\\])*)"\]/.exec(path.slice(i));
      if (quoted?.[1] !== undefined) {
        segments.push(JSON.parse(`"${quoted[1]}"`) as string);
        i += quoted[0].length;
        continue;
      }
      const close = path.indexOf(']', i);
      if (close !== -1) {
        segments.push(path.slice(i + 1, close));
        i = close + 1;
        continue;
      }
    }
    const end = path.slice(i + 1).search(/[.[]/);
    const stop = end === -1 ? path.length : i + 1 + end;
    segments.push(path.slice(i, stop));
    i = stop;
  }
  return segments;
}
