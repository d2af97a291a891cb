import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

export const REGION = 'us-west-2';
export const ACCOUNT = '123456789012';

interface FakeFunction {
  configuration: FunctionConfiguration;
  tags: Record<string, string>;
  /** Function URLs by qualifier ('' for the unqualified function). */
  urls: Map<string, { FunctionUrl: string; AuthType: string }>;
  /** Published versions ('1', '2', ...), with the code each was published from. */
  versions: { version: string; s3Key?: string }[];
  /** The S3 key $LATEST runs. */
  code?: string;
  aliases: Map<string, string>;
  reservedConcurrency?: number;
  /** GetFunction polls left that still report State Pending / LastUpdateStatus InProgress. */
  pendingPolls: number;
  updatingPolls: number;
}

export interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export const notFound = () => new ResourceNotFoundException({ message: 'Function not found', $metadata: { httpStatusCode: 404 } });

/**
 * A small in-memory Lambda control plane behind aws-sdk-client-mock: functions move from Pending to
 * Active and from InProgress to Successful after a configurable number of GetFunction polls (what the
 * SDK waiters read), so deploy flows run end to end and every command sent can be asserted.
 */
export class FakeLambda {
  readonly client = new LambdaClient({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  readonly mock: ReturnType<typeof mockClient>;
  readonly functions = new Map<string, FakeFunction>();
  /** Polls until Active after a create, and until Successful after an update (Infinity: never). */
  pollsUntilActive = 1;
  pollsUntilUpdated = 1;
  /** One-shot faults: the next command of that name throws this error instead of running. */
  private readonly faults = new Map<string, Error>();

  /** Fakes one client instance, or with `everyClient` every LambdaClient (for the handler's own client). */
  constructor(everyClient = false) {
    this.mock = mockClient(everyClient ? LambdaClient : this.client);
    this.install();
  }

  arnOf(functionName: string): string {
    return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`;
  }

  urlOf(functionName: string, qualifier = ''): string {
    return `https://${functionName}${qualifier ? `-${qualifier}` : ''}.lambda-url.${REGION}.on.aws/`;
  }

  /** What the function's `live` alias runs: its version and that version's code. */
  live(functionName: string): { version: string; s3Key?: string } | undefined {
    const fn = this.functions.get(functionName);
    const version = fn?.aliases.get('live');
    return fn?.versions.find((v) => v.version === version);
  }

  /** Every command sent so far, in order. */
  sent(): SentCommand[] {
    return this.mock.calls().map((call) => {
      const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      return { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
    });
  }

  sentNames(): string[] {
    return this.sent().map((c) => c.name);
  }

  inputsOf(name: string): Record<string, unknown>[] {
    return this.sent()
      .filter((c) => c.name === name)
      .map((c) => c.input);
  }

  /** A function as an earlier (crashed or foreign) deploy would have left it. */
  seed(functionName: string, tags: Record<string, string>, url?: { AuthType: string; qualifier?: string }): void {
    const urls = new Map<string, { FunctionUrl: string; AuthType: string }>();
    if (url) urls.set(url.qualifier ?? '', { FunctionUrl: this.urlOf(functionName, url.qualifier), AuthType: url.AuthType });
    this.functions.set(functionName, {
      configuration: { FunctionName: functionName, FunctionArn: this.arnOf(functionName), State: 'Active', LastUpdateStatus: 'Successful' },
      tags,
      urls,
      versions: [],
      aliases: new Map(),
      pendingPolls: 0,
      updatingPolls: 0,
    });
  }

  failNext(commandName: string, error: Error): void {
    this.faults.set(commandName, error);
  }

  clearHistory(): void {
    this.mock.resetHistory();
  }

  private find(name: string): FakeFunction {
    const fn = this.functions.get(name);
    if (!fn) throw notFound();
    return fn;
  }

  /** Register a fake command that first throws any fault queued for it. */
  private fake<I>(command: new (input: I) => object, run: (input: any) => unknown): void {
    const name = command.name.replace(/Command$/, '');
    this.mock.on(command as never).callsFake((input: I) => {
      const fault = this.faults.get(name);
      if (fault) {
        this.faults.delete(name);
        throw fault;
      }
      return run(input);
    });
  }

  private install(): void {
    this.fake(GetFunctionCommand, (input) => {
      const fn = this.find(input.FunctionName);
      const pending = fn.pendingPolls > 0;
      const updating = fn.updatingPolls > 0;
      if (pending) fn.pendingPolls -= 1;
      if (updating) fn.updatingPolls -= 1;
      return {
        Configuration: {
          ...fn.configuration,
          State: pending ? 'Pending' : 'Active',
          LastUpdateStatus: updating ? 'InProgress' : 'Successful',
        },
        Tags: { ...fn.tags },
      };
    });
    this.fake(CreateFunctionCommand, (input) => {
      if (this.functions.has(input.FunctionName)) {
        throw new ResourceConflictException({ message: 'Function already exist', $metadata: { httpStatusCode: 409 } });
      }
      const configuration = { FunctionName: input.FunctionName, FunctionArn: this.arnOf(input.FunctionName) };
      this.functions.set(input.FunctionName, {
        configuration,
        tags: { ...input.Tags },
        urls: new Map(),
        versions: [],
        aliases: new Map(),
        code: input.Code?.S3Key,
        pendingPolls: this.pollsUntilActive,
        updatingPolls: 0,
      });
      return { ...configuration, State: 'Pending' };
    });
    const update = (input: { FunctionName: string }) => {
      const fn = this.find(input.FunctionName);
      fn.updatingPolls = this.pollsUntilUpdated;
      return { ...fn.configuration, State: 'Active', LastUpdateStatus: 'InProgress' };
    };
    this.fake(UpdateFunctionCodeCommand, (input) => {
      this.find(input.FunctionName).code = input.S3Key;
      return update(input);
    });
    this.fake(UpdateFunctionConfigurationCommand, update);
    this.fake(DeleteFunctionCommand, (input) => {
      this.find(input.FunctionName);
      this.functions.delete(input.FunctionName);
      return {};
    });
    // A URL on an alias needs the alias; each qualifier has its own URL.
    const urlOf = (input: { FunctionName: string; Qualifier?: string }) => {
      const fn = this.find(input.FunctionName);
      const qualifier = input.Qualifier ?? '';
      if (qualifier && !fn.aliases.has(qualifier)) throw notFound();
      return { fn, qualifier, url: fn.urls.get(qualifier) };
    };
    this.fake(CreateFunctionUrlConfigCommand, (input) => {
      const { fn, qualifier, url } = urlOf(input);
      if (url) throw new ResourceConflictException({ message: 'URL exists', $metadata: { httpStatusCode: 409 } });
      const created = { FunctionUrl: this.urlOf(input.FunctionName, qualifier), AuthType: input.AuthType };
      fn.urls.set(qualifier, created);
      return { ...created };
    });
    this.fake(GetFunctionUrlConfigCommand, (input) => {
      const { url } = urlOf(input);
      if (!url) throw notFound();
      return { ...url };
    });
    this.fake(UpdateFunctionUrlConfigCommand, (input) => {
      const { url } = urlOf(input);
      if (!url) throw notFound();
      url.AuthType = input.AuthType;
      return { ...url };
    });
    this.fake(DeleteFunctionUrlConfigCommand, (input) => {
      const { fn, qualifier, url } = urlOf(input);
      if (!url) throw notFound();
      fn.urls.delete(qualifier);
      return {};
    });
    this.fake(PutFunctionConcurrencyCommand, (input) => {
      this.find(input.FunctionName).reservedConcurrency = input.ReservedConcurrentExecutions;
      return { ReservedConcurrentExecutions: input.ReservedConcurrentExecutions };
    });
    this.fake(PublishVersionCommand, (input) => {
      const fn = this.find(input.FunctionName);
      const version = String(fn.versions.length + 1);
      fn.versions.push({ version, s3Key: fn.code });
      return { ...fn.configuration, Version: version, FunctionArn: `${this.arnOf(input.FunctionName)}:${version}` };
    });
    const alias = (input: { FunctionName: string; Name: string; FunctionVersion: string }) => {
      const fn = this.find(input.FunctionName);
      if (!fn.versions.some((v) => v.version === input.FunctionVersion)) throw notFound();
      fn.aliases.set(input.Name, input.FunctionVersion);
      return { Name: input.Name, FunctionVersion: input.FunctionVersion, AliasArn: `${this.arnOf(input.FunctionName)}:${input.Name}` };
    };
    this.fake(CreateAliasCommand, (input) => {
      if (this.find(input.FunctionName).aliases.has(input.Name)) {
        throw new ResourceConflictException({ message: 'Alias already exists', $metadata: { httpStatusCode: 409 } });
      }
      return alias(input);
    });
    this.fake(UpdateAliasCommand, (input) => {
      if (!this.find(input.FunctionName).aliases.has(input.Name)) throw notFound();
      return alias(input);
    });
  }
}
