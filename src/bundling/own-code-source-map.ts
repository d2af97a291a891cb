import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';

/** A source that is a package's code, not FABLE's: esbuild names sources by path relative to the output. */
const isVendorSource = (source: string): boolean => /(^|\/)node_modules\//.test(source);

/**
 * The bundle's source map with only FABLE's own code mapped. The packages are ~95% of the
 * mappings: with them the map outweighs the code in the zip and `--enable-source-maps` parses
 * it at every cold start (esbuild has no option for this: evanw/esbuild#1685). Frames in FABLE's
 * code still map to their file and line; a frame inside a package keeps its bundle position.
 */
export function ownCodeSourceMap(mapJson: string): string {
  const map = JSON.parse(mapJson) as { sources: string[]; names: string[]; mappings: string };
  const sourceIndex = new Map<number, number>();
  const sources: string[] = [];
  map.sources.forEach((source, index) => {
    if (isVendorSource(source)) return;
    sourceIndex.set(index, sources.length);
    sources.push(source);
  });
  const nameIndex = new Map<number, number>();
  const names: string[] = [];
  const keptName = (index: number): number => {
    if (!nameIndex.has(index)) {
      nameIndex.set(index, names.length);
      names.push(map.names[index]);
    }
    return nameIndex.get(index)!;
  };
  const lines = decode(map.mappings).map((line) => {
    const kept: SourceMapSegment[] = [];
    // A column-only segment ends the previous mapping there, so package code is never
    // attributed to the FABLE line before it; one per run of package code is enough.
    const unmapped = (column: number) => {
      if (kept.length > 0 && kept[kept.length - 1].length !== 1) kept.push([column]);
    };
    for (const segment of line) {
      if (segment.length === 1) {
        unmapped(segment[0]);
        continue;
      }
      const source = sourceIndex.get(segment[1]);
      if (source === undefined) unmapped(segment[0]);
      else if (segment.length === 5) kept.push([segment[0], source, segment[2], segment[3], keptName(segment[4])]);
      else kept.push([segment[0], source, segment[2], segment[3]]);
    }
    return kept;
  });
  return JSON.stringify({ ...map, sources, names, mappings: encode(lines) });
}
