import { WebSocketApi } from '../../../src/api/websocket-api';
import { ConnectAuthorizer } from '../../../src/identity/connect-authorizer';
import { UserPool } from '../../../src/identity/user-pool';
import { AuditTable } from '../../../src/data/audit-table';
import type { StageConfig } from '../../../src/config';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

function synthDoor(change?: (config: StageConfig) => StageConfig): StackJson {
  const { stack } = testStage({ change });
  const websocket = new WebSocketApi(stack, 'websocket');
  new UserPool(stack, 'users');
  new AuditTable(stack, 'audit');
  new ConnectAuthorizer(stack, 'door', { websocket });
  return synthJson(stack);
}

const json = synthDoor();
const authorizerFunction = (stack: StackJson) => findResource(stack, 'aws_lambda_function', (f) => f.function_name === 'fable-dev-ws-authorizer');

describe('ConnectAuthorizer', () => {
  it('is the ws-authorizer Lambda on nodejs24.x and arm64, bound to the user pool, its web client and the audit trail', () => {
    const fn = authorizerFunction(json);
    expect(fn).toMatchObject({ runtime: 'nodejs24.x', architectures: ['arm64'], timeout: 10, tracing_config: { mode: 'Active' } });
    expect(Object.keys(fn.environment.variables).sort()).toEqual(['ALLOW_ANONYMOUS', 'AUDIT_TABLE', 'LOG_LEVEL', 'NODE_OPTIONS', 'STAGE', 'USER_POOL_CLIENT_ID', 'USER_POOL_ID']);
  });

  it('is the $connect authorizer of the stage\'s WebSocket API', () => {
    const [authorizer] = resourcesOf(json, 'aws_apigatewayv2_authorizer');
    expect(authorizer).toMatchObject({ name: 'fable-dev-ws-authorizer', authorizer_type: 'REQUEST' });
    expect(authorizer.authorizer_uri).toMatch(/^\$\{aws_lambda_function\.door_ws-authorizer_function_[\w-]+\.invoke_arn\}$/);
  });

  it('grants its role nothing but its own log group, X-Ray and appending refusals to the audit trail', () => {
    const policy = findResource(json, 'aws_iam_role_policy', (p) => p.role.includes('ws-authorizer'));
    type Statement = { Effect: string; Action: string | string[]; Resource: string | string[] };
    const allowed = (JSON.parse(policy.policy).Statement as Statement[]).filter((s) => s.Effect === 'Allow');
    expect(allowed.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(allowed.find((s) => s.Action === 'dynamodb:PutItem' || String(s.Action).includes('dynamodb:PutItem'))!.Resource).toMatch(/aws_dynamodb_table\.[\w-]*audit[\w-]*\.arn/);
  });

  it('tells the function whether the stage lets connections without a token in', () => {
    expect(authorizerFunction(json).environment.variables.ALLOW_ANONYMOUS).toBe('false');
    const anonymous = synthDoor((config) => ({ ...config, auth: { ...config.auth, allowAnonymous: true } }));
    expect(authorizerFunction(anonymous).environment.variables.ALLOW_ANONYMOUS).toBe('true');
  });
});
