/**
 * An in-memory artifacts bucket behind aws-sdk-client-mock: the S3 calls user-data (and the bundle hashing) make
 * (PutObject with IfNoneMatch, HeadObject, GetObject, ListObjectsV2 with paging, DeleteObjects)
 * answered the way S3 answers them, so a test can assert both the exact commands sent and what
 * the bucket holds afterwards.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';

export interface StoredObject {
  readonly body: string;
  readonly metadata?: Record<string, string>;
  readonly contentType?: string;
}

const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });

export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  /** Keys per ListObjectsV2 page (S3's is 1000; small here so paging is exercised). */
  pageSize = 2;

  /** `mock`: a test's own S3Client stub to answer through (one stub per client class). */
  constructor(
    readonly bucket: string,
    readonly mock: AwsStub<any, any, any> = mockClient(S3Client),
  ) {
    this.install();
  }

  /** Answer every S3 command from the in-memory bucket again (after a test overrode one). */
  install(): void {
    this.mock.reset();
    const inBucket = (name: string | undefined) => {
      if (name !== this.bucket) throw s3Error('NoSuchBucket', 404);
    };
    this.mock.on(PutObjectCommand).callsFake((input) => {
      inBucket(input.Bucket);
      if (input.IfNoneMatch === '*' && this.objects.has(input.Key!)) throw s3Error('PreconditionFailed', 412);
      this.objects.set(input.Key!, { body: String(input.Body), metadata: input.Metadata, contentType: input.ContentType });
      return {};
    });
    this.mock.on(HeadObjectCommand).callsFake((input) => {
      inBucket(input.Bucket);
      const object = this.objects.get(input.Key!);
      if (!object) throw s3Error('NotFound', 404);
      return { Metadata: object.metadata, ContentType: object.contentType, ContentLength: Buffer.byteLength(object.body) };
    });
    this.mock.on(GetObjectCommand).callsFake((input) => {
      inBucket(input.Bucket);
      const object = this.objects.get(input.Key!);
      if (!object) throw s3Error('NoSuchKey', 404);
      // A stream, as the SDK's Body is in Node, with the helper readers of a small JSON object use.
      const Body = Object.assign(Readable.from([Buffer.from(object.body)]), { transformToString: async () => object.body });
      return { Body, Metadata: object.metadata } as unknown as GetObjectCommandOutput;
    });
    this.mock.on(ListObjectsV2Command).callsFake((input) => {
      inBucket(input.Bucket);
      const keys = [...this.objects.keys()].filter((key) => key.startsWith(input.Prefix ?? '')).sort();
      const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
      const size = Math.min(input.MaxKeys ?? 1000, this.pageSize);
      const page = keys.slice(start, start + size);
      const more = start + size < keys.length;
      return { Contents: page.map((Key) => ({ Key })), KeyCount: page.length, IsTruncated: more, ...(more ? { NextContinuationToken: String(start + size) } : {}) };
    });
    this.mock.on(DeleteObjectsCommand).callsFake((input) => {
      inBucket(input.Bucket);
      for (const { Key } of input.Delete?.Objects ?? []) this.objects.delete(Key!);
      return {};
    });
  }

  put(key: string, body: unknown): void {
    this.objects.set(key, { body: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json' });
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  /** The commands sent, by name and input, in order. */
  sent(): { name: string; input: Record<string, unknown> }[] {
    return this.mock.calls().map((call) => {
      const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      return { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
    });
  }

  restore(): void {
    this.mock.restore();
  }
}
