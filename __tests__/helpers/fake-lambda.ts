import {
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException,
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
  url?: { FunctionUrl: string; AuthType: string };
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

  urlOf(functionName: string): string {
    return `https://${functionName}.lambda-url.${REGION}.on.aws/`;
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
  seed(functionName: string, tags: Record<string, string>, url?: { AuthType: string }): void {
    this.functions.set(functionName, {
      configuration: { FunctionName: functionName, FunctionArn: this.arnOf(functionName), State: 'Active', LastUpdateStatus: 'Successful' },
      tags,
      url: url ? { FunctionUrl: this.urlOf(functionName), AuthType: url.AuthType } : undefined,
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
    this.fake(UpdateFunctionCodeCommand, update);
    this.fake(UpdateFunctionConfigurationCommand, update);
    this.fake(DeleteFunctionCommand, (input) => {
      this.find(input.FunctionName);
      this.functions.delete(input.FunctionName);
      return {};
    });
    this.fake(CreateFunctionUrlConfigCommand, (input) => {
      const fn = this.find(input.FunctionName);
      if (fn.url) throw new ResourceConflictException({ message: 'URL exists', $metadata: { httpStatusCode: 409 } });
      fn.url = { FunctionUrl: this.urlOf(input.FunctionName), AuthType: input.AuthType };
      return { ...fn.url };
    });
    this.fake(GetFunctionUrlConfigCommand, (input) => {
      const fn = this.find(input.FunctionName);
      if (!fn.url) throw notFound();
      return { ...fn.url };
    });
    this.fake(UpdateFunctionUrlConfigCommand, (input) => {
      const fn = this.find(input.FunctionName);
      if (!fn.url) throw notFound();
      fn.url.AuthType = input.AuthType;
      return { ...fn.url };
    });
    this.fake(DeleteFunctionUrlConfigCommand, (input) => {
      const fn = this.find(input.FunctionName);
      if (!fn.url) throw notFound();
      fn.url = undefined;
      return {};
    });
  }
}
