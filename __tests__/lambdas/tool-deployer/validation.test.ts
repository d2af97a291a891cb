import { invokeToolDeployer } from '../../../lambdas/tool-deployer/dispatch';
import { deployPayload, resetHarness, startHarness, WEATHER_SCHEMA, type Harness } from '../../helpers/tool-deployer-harness';

let h: Harness;
let dynamoSend: jest.SpyInstance;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  await h.dynamo.stop();
});
beforeEach(async () => {
  await resetHarness(h);
  dynamoSend = jest.spyOn(h.doc, 'send');
});
afterEach(() => dynamoSend.mockRestore());

/** Answered with BAD_REQUEST, and neither Lambda, CloudWatch Logs nor DynamoDB saw a single command. */
async function expectRejectedBeforeAws(event: unknown, messagePart: string): Promise<void> {
  expect(await invokeToolDeployer(event, h.deps)).toEqual({
    success: false,
    error: { code: 'BAD_REQUEST', message: expect.stringContaining(messagePart) },
  });
  expect(h.lambda.sent()).toEqual([]);
  expect(h.logs.mock.calls()).toEqual([]);
  expect(dynamoSend).not.toHaveBeenCalled();
}

const deployEvent = (payload: unknown) => ({ action: 'deploy', payload });

const schemaWith = (inputSchema: unknown) => ({ schema: { ...WEATHER_SCHEMA, inputSchema } });

describe('deploy input is rejected, never rewritten, before any AWS call', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an upper-case tool name', { toolName: 'Weather' }, 'toolName'],
    ['a tool name with a space', { toolName: 'my tool' }, 'toolName'],
    ['a tool name with an underscore', { toolName: 'my_tool' }, 'toolName'],
    ['a one-character tool name', { toolName: 'w' }, 'toolName'],
    ['a 41-character tool name', { toolName: `w${'x'.repeat(40)}` }, 'toolName'],
    ['a tool name starting with a digit', { toolName: '1weather' }, 'toolName'],
    ['a tool name that is not a string', { toolName: 42 }, 'toolName'],
    ['the reserved tool name of the deployer itself', { toolName: 'deployer' }, 'reserved'],
    ['an s3Key outside tools/', { s3Key: 'builds/b1/core-output.json' }, 's3Key'],
    ['an s3Key with a leading slash', { s3Key: '/tools/weather/a.zip' }, 's3Key'],
    ['an s3Key climbing out with ..', { s3Key: 'tools/../builds/x.zip' }, 's3Key'],
    ['an s3Key hiding .. inside a segment', { s3Key: 'tools/weather/a..b.zip' }, 's3Key'],
    ['an s3Key with an empty segment', { s3Key: 'tools//weather.zip' }, 's3Key'],
    ['an s3Key with odd characters', { s3Key: 'tools/weather/a b$.zip' }, 's3Key'],
    ['an s3Key that is not a zip', { s3Key: 'tools/weather/index.mjs' }, 's3Key'],
    ['an s3Key of only the prefix', { s3Key: 'tools/' }, 's3Key'],
    ['an s3Key too long', { s3Key: `tools/${'a'.repeat(1020)}.zip` }, 's3Key'],
    ['a missing schema', { schema: undefined }, 'payload.schema is required'],
    ['a schema that is a string', { schema: 'get_weather' }, 'schema must be an object'],
    ['a schema without a name', { schema: { description: 'd' } }, 'name'],
    ['a schema with an empty name', { schema: { name: '', description: 'd' } }, 'name'],
    ['a schema name Bedrock refuses', { schema: { name: 'get weather!', description: 'd' } }, 'name'],
    ['a schema without a description', { schema: { name: 'w' } }, 'description'],
    ['a blank description', { schema: { name: 'w', description: '   ' } }, 'description'],
    ['an inputSchema that is an array', schemaWith([]), 'inputSchema'],
    ['an inputSchema of type string', schemaWith({ type: 'string' }), 'inputSchema'],
    ['an inputSchema without a type', schemaWith({ properties: {} }), 'inputSchema'],
    ['a top-level $ref', schemaWith({ type: 'object', $ref: '#/$defs/x' }), '"$ref"'],
    ['a nested oneOf', schemaWith({ type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } }), '"oneOf"'],
    ['an allOf inside array items', schemaWith({ type: 'object', properties: { a: { type: 'array', items: { allOf: [] } } } }), '"allOf"'],
    ['an anyOf deep in the tree', schemaWith({ type: 'object', properties: { a: { type: 'object', properties: { b: { anyOf: [] } } } } }), '"anyOf"'],
    ['a not', schemaWith({ type: 'object', additionalProperties: { not: { type: 'string' } } }), '"not"'],
    ['a $ref inside $defs', schemaWith({ type: 'object', $defs: { x: { $ref: '#' } } }), '"$ref"'],
    ['an inputSchema nested too deep', schemaWith(nested(40)), 'nested deeper'],
    ['an inputSchema over 32 KB', schemaWith({ type: 'object', description: 'x'.repeat(33 * 1024) }), 'at most'],
    ['memory below 128 MB', { memorySize: 64 }, 'memorySize'],
    ['memory above 3008 MB', { memorySize: 4096 }, 'memorySize'],
    ['a fractional memory size', { memorySize: 256.5 }, 'memorySize'],
    ['memory given as a string', { memorySize: '512' }, 'memorySize'],
    ['a zero timeout', { timeout: 0 }, 'timeout'],
    ['a timeout above 300 s', { timeout: 301 }, 'timeout'],
    ['an orgId with a space', { orgId: 'org a' }, 'orgId'],
    ['an empty orgId', { orgId: '' }, 'orgId'],
    ['a userId that is a number', { userId: 7 }, 'userId'],
    ['an environment that is a list', { environment: ['A=1'] }, 'environment'],
    ['an environment overriding TOOL_NAME', { environment: { TOOL_NAME: 'other' } }, 'TOOL_NAME'],
    ['an environment overriding STAGE', { environment: { STAGE: 'prod' } }, 'STAGE'],
    ['an environment variable Lambda reserves', { environment: { AWS_REGION: 'eu-west-1' } }, 'reserved by Lambda'],
    ['an environment variable with a bad name', { environment: { 'BAD-NAME': 'x' } }, 'BAD-NAME'],
    ['a non-string environment value', { environment: { LIMIT: 5 } }, 'LIMIT'],
    ['an environment over 3.5 KB', { environment: { BIG: 'x'.repeat(4000) } }, 'at most'],
  ];

  it.each(cases)('rejects %s', async (_name, overrides, messagePart) => {
    await expectRejectedBeforeAws(deployEvent(deployPayload(overrides)), messagePart);
  });

  it('rejects a payload that is not an object', async () => {
    await expectRejectedBeforeAws(deployEvent('weather'), 'payload must be an object');
  });

  it('accepts the same keywords as property names, and as data in enum/default', async () => {
    const inputSchema = {
      type: 'object',
      properties: { not: { type: 'boolean' }, oneOf: { type: 'string', enum: ['$ref', 'anyOf'], default: 'anyOf' } },
    };
    expect(await invokeToolDeployer(deployEvent(deployPayload(schemaWith(inputSchema))), h.deps)).toMatchObject({
      success: true,
      tool: { version: 1 },
    });
  });
});

function nested(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i += 1) schema = { type: 'object', properties: { child: schema } };
  return schema;
}

describe('undeploy and list input is rejected before any AWS call', () => {
  it.each([
    ['an invalid tool name', { toolName: 'Bad Name' }, 'toolName'],
    ['a missing tool name', {}, 'toolName'],
    ['an invalid orgId', { toolName: 'weather', orgId: 'a b' }, 'orgId'],
  ])('undeploy rejects %s', async (_name, payload, messagePart) => {
    await expectRejectedBeforeAws({ action: 'undeploy', payload }, messagePart);
  });

  it.each([
    ['a missing orgId', {}, 'orgId'],
    ['a limit of 0', { orgId: 'org-a', limit: 0 }, 'limit'],
    ['a limit above 100', { orgId: 'org-a', limit: 101 }, 'limit'],
    ['a nextToken that is not base64 JSON', { orgId: 'org-a', nextToken: '%%%' }, 'nextToken'],
    ['a nextToken of another org', { orgId: 'org-a', nextToken: token({ GSI1PK: 'ORG#org-b', GSI1SK: 'TOOL#x', PK: 'TOOL#x', SK: 'META' }) }, 'nextToken'],
    ['a nextToken with extra attributes', { orgId: 'org-a', nextToken: token({ GSI1PK: 'ORG#org-a', GSI1SK: 'TOOL#x', PK: 'TOOL#x', SK: 'META', x: 'y' }) }, 'nextToken'],
    ['a nextToken with a non-string key', { orgId: 'org-a', nextToken: token({ GSI1PK: 'ORG#org-a', GSI1SK: 'TOOL#x', PK: { S: 'TOOL#x' }, SK: 'META' }) }, 'nextToken'],
    ['a nextToken whose keys disagree', { orgId: 'org-a', nextToken: token({ GSI1PK: 'ORG#org-a', GSI1SK: 'TOOL#x', PK: 'TOOL#y', SK: 'META' }) }, 'nextToken'],
  ])('list rejects %s', async (_name, payload, messagePart) => {
    await expectRejectedBeforeAws({ action: 'list', payload }, messagePart);
  });

  it.each([
    ['an event that is not an object', 'deploy', 'event must be an object'],
    ['an unknown action', { action: 'invoke', payload: {} }, 'action must be one of deploy, undeploy, list'],
    ['a missing payload', { action: 'deploy' }, 'payload is required'],
  ])('the dispatcher rejects %s', async (_name, event, messagePart) => {
    await expectRejectedBeforeAws(event, messagePart);
  });
});

function token(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}
