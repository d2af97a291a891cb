import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

/** One entry of a zip, with the header fields the determinism tests check. */
export interface ZipRecord {
  readonly name: string;
  readonly content: Buffer;
  readonly method: number;
  readonly dosTime: number;
  readonly dosDate: number;
  /** Upper 16 bits: the Unix mode (e.g. 0o100644). */
  readonly externalAttributes: number;
  readonly versionMadeBy: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/**
 * A minimal zip reader (stored and deflated entries, no zip64): enough to check what Lambda
 * would unpack, with nothing to install. It reads the central directory, then each local entry,
 * and verifies sizes and CRC-32.
 */
export function readZip(zip: Buffer): ZipRecord[] {
  const signature = Buffer.alloc(4);
  signature.writeUInt32LE(END_OF_CENTRAL_DIRECTORY);
  const end = zip.lastIndexOf(signature);
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const records: ZipRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_HEADER) throw new Error(`bad central header at ${offset}`);
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);

    if (zip.readUInt32LE(localOffset) !== LOCAL_HEADER) throw new Error(`bad local header for ${name}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 8 ? inflateRawSync(data) : method === 0 ? Buffer.from(data) : undefined;
    if (!content) throw new Error(`unsupported compression method ${method} for ${name}`);
    if (content.length !== size || crc32(content) !== crc) throw new Error(`corrupt entry ${name}`);

    records.push({
      name,
      content,
      method,
      dosTime: zip.readUInt16LE(offset + 12),
      dosDate: zip.readUInt16LE(offset + 14),
      externalAttributes: zip.readUInt32LE(offset + 38),
      versionMadeBy: zip.readUInt16LE(offset + 4),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

/** Unpack a zip into a directory, as Lambda does into /var/task. */
export function extractZip(zip: Buffer, directory: string): string[] {
  return readZip(zip).map((record) => {
    if (record.name.includes('..') || record.name.startsWith('/')) throw new Error(`unsafe entry name ${record.name}`);
    const target = join(directory, record.name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, record.content);
    return record.name;
  });
}
