/** Service integration helpers: ARNs from the given partition, opaque values placed verbatim. */
import {
  LAMBDA_PAYLOAD_ONLY,
  StateMachine,
  ecsRunTaskSync,
  format,
  jsonPath,
  lambdaInvoke,
  lambdaInvokeWaitForTaskToken,
  renderPayload,
  s3GetObject,
  serviceIntegrationArn,
} from '../../../src/asl';
import { arnFormatter } from '../../helpers/pipeline-fakes';

const TOKEN = (n: number) => `\${TfToken[TOKEN.${n}]}`;

describe('serviceIntegrationArn', () => {
  it('uses the partition it is given (never a hard-coded aws)', () => {
    expect(serviceIntegrationArn('aws-cn', 'lambda:invoke')).toBe('arn:aws-cn:states:::lambda:invoke');
    expect(serviceIntegrationArn(TOKEN(1), 'ecs:runTask.sync')).toBe(`arn:${TOKEN(1)}:states:::ecs:runTask.sync`);
    expect(() => serviceIntegrationArn('', 'lambda:invoke')).toThrow(/partition must be a non-empty string/);
  });
});

describe('lambdaInvoke', () => {
  it('passes FunctionName and the payload template through', () => {
    const integration = lambdaInvoke({ partition: 'aws-us-gov', functionArn: TOKEN(2), payload: { buildId: jsonPath('$.buildId'), status: 'running' } });
    expect(integration.resource).toBe('arn:aws-us-gov:states:::lambda:invoke');
    expect(renderPayload(integration.parameters!, 'Parameters')).toEqual({
      FunctionName: TOKEN(2),
      Payload: { 'buildId.$': '$.buildId', status: 'running' },
    });
  });

  it('carries the right to invoke exactly that function', () => {
    expect(lambdaInvoke({ partition: 'aws', functionArn: TOKEN(2) }).policies).toEqual([{ actions: ['lambda:InvokeFunction'], resources: [TOKEN(2)] }]);
  });

  it('can pass the whole input, or nothing', () => {
    expect(renderPayload(lambdaInvoke({ partition: 'aws', functionArn: 'f', payload: jsonPath('$') }).parameters!, 'P')).toEqual({
      FunctionName: 'f',
      'Payload.$': '$',
    });
    expect(lambdaInvoke({ partition: 'aws', functionArn: 'f' }).parameters).toEqual({ FunctionName: 'f' });
    expect(() => lambdaInvoke({ partition: 'aws', functionArn: '' })).toThrow(/functionArn/);
  });

  it('offers the standard Payload-only ResultSelector', () => {
    expect(renderPayload(LAMBDA_PAYLOAD_ONLY, 'ResultSelector')).toEqual({ 'Payload.$': '$.Payload' });
  });
});

describe('lambdaInvokeWaitForTaskToken', () => {
  it('invokes the function with the task token in its event and waits for the callback', () => {
    const integration = lambdaInvokeWaitForTaskToken({
      partition: 'aws',
      functionArn: TOKEN(2),
      payload: (taskToken) => ({ buildId: jsonPath('$.buildId'), request: { token: taskToken } }),
    });
    expect(integration.resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(renderPayload(integration.parameters!, 'Parameters')).toEqual({
      FunctionName: TOKEN(2),
      Payload: { 'buildId.$': '$.buildId', request: { 'token.$': '$$.Task.Token' } },
    });
    expect(integration.policies).toEqual([{ actions: ['lambda:InvokeFunction'], resources: [TOKEN(2)] }]);
  });

  it('refuses an event that drops the token: nobody could ever end the task', () => {
    expect(() => lambdaInvokeWaitForTaskToken({ partition: 'aws', functionArn: 'f', payload: () => ({ buildId: jsonPath('$.buildId') }) })).toThrow(
      /must carry the task token/,
    );
  });

  it('cannot be a task without a timeout (a callback task would otherwise wait up to a year)', () => {
    const machine = new StateMachine();
    const integration = lambdaInvokeWaitForTaskToken({ partition: 'aws', functionArn: 'f', payload: (taskToken) => ({ taskToken }) });
    expect(() => machine.task('Wait', integration)).toThrow(/waits for a task token: give it timeoutSeconds/);
    expect(machine.task('Wait', integration, { timeoutSeconds: 3600 }).end().render()).toMatchObject({ TimeoutSeconds: 3600 });
  });
});

describe('ecsRunTaskSync', () => {
  it('runs a pinned task definition on Fargate in private subnets with no public IP', () => {
    const integration = ecsRunTaskSync({
      aws: arnFormatter(TOKEN(1), 'us-west-2', '123456789012'),
      clusterArn: TOKEN(3),
      clusterName: 'fable-dev-builds',
      taskDefinitionArn: TOKEN(4),
      passRoleArns: [TOKEN(9)],
      subnetIds: [TOKEN(5), TOKEN(6)],
      securityGroupIds: [TOKEN(7)],
      containerOverrides: [{ name: 'fable-build', environment: { FABLE_PHASE: 'core', FABLE_BUILD_ID: jsonPath('$.buildId') } }],
    });
    expect(integration.resource).toBe(`arn:${TOKEN(1)}:states:::ecs:runTask.sync`);
    expect(renderPayload(integration.parameters!, 'Parameters')).toEqual({
      Cluster: TOKEN(3),
      TaskDefinition: TOKEN(4),
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        AwsvpcConfiguration: { Subnets: [TOKEN(5), TOKEN(6)], SecurityGroups: [TOKEN(7)], AssignPublicIp: 'DISABLED' },
      },
      Overrides: {
        ContainerOverrides: [
          {
            Name: 'fable-build',
            Environment: [
              { Name: 'FABLE_PHASE', Value: 'core' },
              { Name: 'FABLE_BUILD_ID', 'Value.$': '$.buildId' },
            ],
          },
        ],
      },
    });
  });

  it('omits Overrides when there are none, and needs subnets and security groups', () => {
    const base = {
      aws: arnFormatter('aws', 'us-west-2', '123456789012'),
      clusterArn: 'c',
      clusterName: 'builds',
      taskDefinitionArn: 't',
      passRoleArns: ['r'],
      subnetIds: ['s'],
      securityGroupIds: ['g'],
    };
    expect(ecsRunTaskSync(base).parameters).not.toHaveProperty('Overrides');
    expect(ecsRunTaskSync({ ...base, assignPublicIp: true }).parameters).toMatchObject({
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
    });
    expect(() => ecsRunTaskSync({ ...base, subnetIds: [] })).toThrow(/subnetIds needs at least one entry/);
    expect(() => ecsRunTaskSync({ ...base, securityGroupIds: [''] })).toThrow(/securityGroupIds\[0\]/);
    expect(() => ecsRunTaskSync({ ...base, passRoleArns: [] })).toThrow(/passRoleArns needs at least one entry/);
  });

  it('carries what .sync needs: run this revision in this cluster, watch and stop its tasks, the events rule, and pass the task roles to ECS', () => {
    const integration = ecsRunTaskSync({
      aws: arnFormatter('aws', 'us-west-2', '123456789012'),
      clusterArn: 'arn:aws:ecs:us-west-2:123456789012:cluster/builds',
      clusterName: 'builds',
      taskDefinitionArn: 'arn:aws:ecs:us-west-2:123456789012:task-definition/build:3',
      passRoleArns: ['arn:aws:iam::123456789012:role/task', 'arn:aws:iam::123456789012:role/execution'],
      subnetIds: ['s'],
      securityGroupIds: ['g'],
    });
    expect(integration.policies).toEqual([
      {
        actions: ['ecs:RunTask'],
        resources: ['arn:aws:ecs:us-west-2:123456789012:task-definition/build:3'],
        conditions: { ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:us-west-2:123456789012:cluster/builds' } },
      },
      { actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: ['arn:aws:ecs:us-west-2:123456789012:task/builds/*'] },
      {
        actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        resources: ['arn:aws:events:us-west-2:123456789012:rule/StepFunctionsGetEventsForECSTaskRule'],
      },
      {
        actions: ['iam:PassRole'],
        resources: ['arn:aws:iam::123456789012:role/task', 'arn:aws:iam::123456789012:role/execution'],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
  });
});

describe('s3GetObject', () => {
  it('reads a bucket given as a token with a computed key', () => {
    const integration = s3GetObject({ partition: 'aws', bucket: TOKEN(8), key: format('builds/{}/core-output.json', jsonPath('$.buildId')) });
    expect(integration.resource).toBe('arn:aws:states:::aws-sdk:s3:getObject');
    expect(renderPayload(integration.parameters!, 'Parameters')).toEqual({
      Bucket: TOKEN(8),
      'Key.$': "States.Format('builds/{}/core-output.json', $.buildId)",
    });
  });

  it('carries GetObject on the keys it can name: a literal key, a format template with * for each placeholder, or any key', () => {
    const read = (key: Parameters<typeof s3GetObject>[0]['key']) => s3GetObject({ partition: 'aws', bucket: 'b', key }).policies;
    expect(read('fixed/key.json')).toEqual([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/fixed/key.json'] }]);
    expect(read(format('builds/{}/{}-output.json', jsonPath('$.id'), jsonPath('$.phase')))).toEqual([
      { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/builds/*/*-output.json'] },
    ]);
    expect(read(jsonPath('$.key'))).toEqual([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] }]);
  });
});

describe('in a machine', () => {
  it('places tokens verbatim in the rendered definition', () => {
    const sm = new StateMachine();
    sm.startAt(sm.task('Call', lambdaInvoke({ partition: TOKEN(1), functionArn: TOKEN(2), payload: { a: 1 } }))).end();
    const json = JSON.stringify(sm);
    expect(json).toContain(`"Resource":"arn:${TOKEN(1)}:states:::lambda:invoke"`);
    expect(json).toContain(`"FunctionName":"${TOKEN(2)}"`);
  });
});
