import { deterministicZip } from '../../src/bundling/deterministic-zip';
import { readZip } from '../../scripts/local/unzip';

const entries = [
  { name: 'index.mjs.map', content: Buffer.from('{"version":3}') },
  { name: 'index.mjs', content: Buffer.from('export const handler = async () => "ok";\n'.repeat(50)) },
  { name: 'lib/ünïcode.txt', content: Buffer.from('héllo') },
];

describe('deterministicZip', () => {
  it('round-trips every entry through a zip reader, sorted by name', async () => {
    const records = readZip(await deterministicZip(entries));
    expect(records.map((r) => r.name)).toEqual(['index.mjs', 'index.mjs.map', 'lib/ünïcode.txt']);
    for (const entry of entries) expect(records.find((r) => r.name === entry.name)!.content.equals(entry.content)).toBe(true);
  });

  it('writes fixed timestamps (1980-01-01 00:00), Unix 0644 file modes and deflate for every entry', async () => {
    for (const record of readZip(await deterministicZip(entries))) {
      expect(record.dosTime).toBe(0);
      expect(record.dosDate).toBe((0 << 9) | (1 << 5) | 1);
      expect(record.externalAttributes >>> 16).toBe(0o100644);
      expect(record.versionMadeBy >> 8).toBe(3);
      expect(record.method).toBe(8);
    }
  });

  it('gives the same bytes whatever the input order', async () => {
    expect((await deterministicZip(entries)).equals(await deterministicZip([...entries].reverse()))).toBe(true);
  });

  it('compresses (the archive is smaller than a stored copy of its text)', async () => {
    const zip = await deterministicZip(entries);
    const raw = entries.reduce((n, e) => n + e.content.length, 0);
    expect(zip.length).toBeLessThan(raw);
  });

  it('refuses duplicate entry names', async () => {
    await expect(deterministicZip([entries[0], { ...entries[0] }])).rejects.toThrow('Duplicate zip entry index.mjs.map');
  });
});
