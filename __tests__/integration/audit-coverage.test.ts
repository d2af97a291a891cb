/**
 * The audit trail records every event the contract lists (DESIGN.md section 9): each type has a
 * handler that writes it and a test that reads it back from the audit table on DynamoDB Local. A
 * type added to the contract without both fails here, naming what is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AUDIT_EVENT_TYPES } from '../../lambdas/shared/contract';

const ROOT = join(__dirname, '..', '..');

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Handler code (the contract, which only lists the names, aside). */
const handlerFiles = filesUnder(join(ROOT, 'lambdas'), '.ts').filter((file) => !file.includes(join('shared', 'contract')));
/** Tests that read events back from the audit table. */
const auditReadingTests = filesUnder(join(ROOT, '__tests__'), '.test.ts').filter((file) => /\bauditEvents\(/.test(readFileSync(file, 'utf8')));

const naming = (files: string[], type: string) =>
  files.filter((file) => readFileSync(file, 'utf8').includes(`'${type}'`)).map((file) => relative(ROOT, file));

describe('the audit trail records every listed event', () => {
  it.each(AUDIT_EVENT_TYPES.map((type) => [type]))('%s has a handler that writes it and a test that reads it back from the audit table', (type) => {
    expect({ type, writers: naming(handlerFiles, type).length > 0, readBackBy: naming(auditReadingTests, type).length > 0 }).toEqual({
      type,
      writers: true,
      readBackBy: true,
    });
  });
});
