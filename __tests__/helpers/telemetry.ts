/**
 * What a handler writes to CloudWatch: Powertools Logger and Metrics print one JSON object per
 * line on stdout (INFO, DEBUG, EMF) and stderr (WARN, ERROR). Tests read those lines back.
 */

/** The telemetry bindings every Lambda has (contract TELEMETRY), as a stage sets them. */
export const TELEMETRY_ENV = { STAGE: 'test', LOG_LEVEL: 'INFO' } as const;

export type OutputRecord = Record<string, unknown>;

export interface CapturedOutput {
  /** Every line written since capturing began, raw. */
  lines(): string[];
  /** Every line parsed; throws on a line that is not one JSON object. */
  records(): OutputRecord[];
  /** Log records (those with a `level`). */
  logs(): OutputRecord[];
  /** EMF records (those with `_aws.CloudWatchMetrics`). */
  metrics(): EmfRecord[];
  restore(): void;
}

export interface EmfRecord extends OutputRecord {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
}

/** Metric name -> its value(s) in EMF records, with the record for its dimensions. */
export function metricValues(records: readonly EmfRecord[], name: string): { value: unknown; record: EmfRecord }[] {
  return records
    .filter((record) => record._aws.CloudWatchMetrics.some((directive) => directive.Metrics.some((metric) => metric.Name === name)))
    .map((record) => ({ value: record[name], record }));
}

/** Start capturing stdout and stderr (nothing reaches the terminal meanwhile). */
export function captureOutput(): CapturedOutput {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  const lines = () => written.join('').split('\n').filter((line) => line !== '');
  const records = () =>
    lines().map((line) => {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`not one JSON object: ${line}`);
      return parsed as OutputRecord;
    });
  return {
    lines,
    records,
    logs: () => records().filter((record) => 'level' in record),
    metrics: () => records().filter((record): record is EmfRecord => '_aws' in record),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
