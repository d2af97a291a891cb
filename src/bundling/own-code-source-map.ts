/** A source that is a package's code, not FABLE's: esbuild names sources by path relative to the output. */
const isVendorSource = (source: string): boolean => /(^|\/)node_modules\//.test(source);

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i;
const COMMA = 44;
const SEMICOLON = 59;

function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}

/**
 * The bundle's source map with only FABLE's own code mapped. The packages are ~95% of the
 * mappings: with them the map outweighs the code in the zip and `--enable-source-maps` parses
 * it at every cold start (esbuild has no option for this: evanw/esbuild#1685). Frames in FABLE's
 * code still map to their file and line; a frame inside a package keeps its bundle position.
 *
 * One pass over the VLQ string, without building the segment arrays a codec library would
 * (decoding every map with @jridgewell/sourcemap-codec took ~0.8 s of each full rebuild);
 * the tests check the result against Node's own source map reader.
 */
export function ownCodeSourceMap(mapJson: string): string {
  const map = JSON.parse(mapJson) as { sources: string[]; names: string[]; mappings: string };
  const sourceIndex = new Int32Array(map.sources.length).fill(-1);
  const sources: string[] = [];
  map.sources.forEach((source, index) => {
    if (isVendorSource(source)) return;
    sourceIndex[index] = sources.length;
    sources.push(source);
  });
  const nameIndex = new Int32Array(map.names.length).fill(-1);
  const names: string[] = [];

  const input = map.mappings;
  const fields = [0, 0, 0, 0, 0];
  // Absolute values in the input, and the last ones written: VLQ fields are deltas, and only
  // the generated column restarts at each line.
  let column = 0, source = 0, line = 0, sourceColumn = 0, name = 0;
  let outColumn = 0, outSource = 0, outLine = 0, outSourceColumn = 0, outName = 0;
  // On this output line: nothing written yet, or the last thing written is an unmapped segment.
  let lineEmpty = true, lastUnmapped = false;
  let out = '';
  const write = (segment: string) => {
    out += lineEmpty ? segment : `,${segment}`;
    lineEmpty = false;
  };

  let at = 0;
  while (at <= input.length) {
    const code = at < input.length ? input.charCodeAt(at) : SEMICOLON;
    if (code === SEMICOLON) {
      if (at < input.length) out += ';';
      column = outColumn = 0;
      lineEmpty = true;
      lastUnmapped = false;
      at++;
      continue;
    }
    if (code === COMMA) {
      at++;
      continue;
    }
    let count = 0;
    while (at < input.length && input.charCodeAt(at) !== COMMA && input.charCodeAt(at) !== SEMICOLON) {
      let value = 0, shift = 0, digit: number;
      do {
        digit = BASE64_VALUE[input.charCodeAt(at++)];
        if (digit < 0) throw new Error(`invalid source map mappings at offset ${at - 1}`);
        value += (digit & 31) * 2 ** shift;
        shift += 5;
      } while (digit & 32);
      fields[count++] = value % 2 === 1 ? -(value - 1) / 2 : value / 2;
    }
    column += fields[0];
    if (count === 1) {
      unmapped();
      continue;
    }
    source += fields[1];
    line += fields[2];
    sourceColumn += fields[3];
    if (count === 5) name += fields[4];
    const kept = sourceIndex[source];
    if (kept < 0) {
      unmapped();
      continue;
    }
    let segment = encodeVlq(column - outColumn) + encodeVlq(kept - outSource) + encodeVlq(line - outLine) + encodeVlq(sourceColumn - outSourceColumn);
    outColumn = column;
    outSource = kept;
    outLine = line;
    outSourceColumn = sourceColumn;
    if (count === 5) {
      if (nameIndex[name] < 0) {
        nameIndex[name] = names.length;
        names.push(map.names[name]);
      }
      segment += encodeVlq(nameIndex[name] - outName);
      outName = nameIndex[name];
    }
    write(segment);
    lastUnmapped = false;
  }

  // A column-only segment ends the previous mapping there, so package code is never attributed
  // to the FABLE line before it; one per run of package code is enough.
  function unmapped(): void {
    if (lineEmpty || lastUnmapped) return;
    write(encodeVlq(column - outColumn));
    outColumn = column;
    lastUnmapped = true;
  }

  return JSON.stringify({ ...map, sources, names, mappings: out });
}
