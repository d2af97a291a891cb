import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { failureResponse } from './contract';
import { HandlerError } from './responses';

/** The invoked function itself failed (unhandled error or timeout inside it): not an AWS API error. */
export class InvokedFunctionError extends Error {
  constructor(
    readonly functionName: string,
    readonly functionError: string,
  ) {
    super(`${functionName} failed (${functionError})`);
    this.name = 'InvokedFunctionError';
  }
}

export interface InvokeOptions {
  /** Give up waiting (AbortSignal.timeout) when the caller has a tighter budget than the callee. */
  readonly abortSignal?: AbortSignal;
  /** A version or alias of the function (tools are invoked through their `live` alias). */
  readonly qualifier?: string;
}

const encode = (payload: unknown) => Buffer.from(JSON.stringify(payload));

/** Invoke a function synchronously with a JSON event and return its parsed JSON result. */
export async function invokeJson(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
  options: InvokeOptions = {},
): Promise<unknown> {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: encode(payload),
      ...(options.qualifier ? { Qualifier: options.qualifier } : {}),
    }),
    { abortSignal: options.abortSignal },
  );
  if (result.FunctionError) throw new InvokedFunctionError(functionName, result.FunctionError);
  const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
  return text === '' ? undefined : JSON.parse(text);
}

const succeeded = z.object({ success: z.literal(true) });

/**
 * Call one of FABLE's direct-invoke functions and read its answer (DESIGN.md section 4): the
 * success body, checked against the callee's response schema, or the callee's own failure as a
 * HandlerError carrying its code and message.
 */
export async function invokeDirect<S extends z.ZodObject>(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
  body: S,
  options: InvokeOptions = {},
): Promise<z.output<S>> {
  const response = await invokeJson(lambda, functionName, payload, options);
  const failure = failureResponse.safeParse(response);
  if (failure.success) {
    const { code, message, ...hints } = failure.data.error;
    throw new HandlerError(code, message, hints);
  }
  const success = body.safeParse(response);
  if (!succeeded.safeParse(response).success || !success.success) {
    throw new Error(`${functionName} answered outside its response contract`);
  }
  return success.data;
}

/** Queue an asynchronous invocation (Lambda retries it on failure; the callee must be idempotent). */
export async function invokeAsync(lambda: LambdaClient, functionName: string, payload: unknown): Promise<void> {
  await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: encode(payload) }));
}
