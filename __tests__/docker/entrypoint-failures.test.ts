/**
 * docker/build/entrypoint.sh failure paths: download errors, agent crash, timeout, SIGTERM,
 * missing or malformed output. Every one uploads a failure record and exits non-zero, and no
 * credential value ever reaches the log or the record.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_KEY, CORE_SUCCESS, Harness, SPEC_KEY, expectFailureRecord, expectNoSecrets } from '../helpers/entrypoint-harness';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

describe('failures during the run', () => {
  test('S3 download failure: failure record, agent never started, token scrubbed from the error', () => {
    h.stubClaude(CORE_SUCCESS);
    const result = h.run({ STUB_AWS_FAIL_MATCH: 'spec.json' });
    expect(result.code).toBe(3);
    const record = expectFailureRecord(h, CORE_KEY, 'core', /could not download s3:\/\/.*spec\.json: .*AccessDenied/);
    expect(record.error).toContain('[REDACTED]');
    expect(h.log('claude.args')).toBe('');
    expectNoSecrets(h, result);
  });

  test('a spec that is not a JSON object fails the phase', () => {
    h.putObject(SPEC_KEY, 'not json');
    h.stubClaude(CORE_SUCCESS);
    const result = h.run();
    expect(result.code).toBe(3);
    expectFailureRecord(h, CORE_KEY, 'core', /spec is not a JSON object/);
  });

  test('agent exits non-zero: failure record with its (scrubbed) error; no secret anywhere', () => {
    // The agent has none of the task role's credential variables; its own endpoint token is scrubbed.
    h.stubClaude(String.raw`
echo '{"type":"system","subtype":"init"}'
echo "{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"is_error\":true,\"result\":\"Bedrock rejected key ${'$'}{AWS_ACCESS_KEY_ID:-none} secret ${'$'}{AWS_SECRET_ACCESS_KEY:-none} token ${'$'}{AWS_SESSION_TOKEN:-none} via ${'$'}{AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-none} endpoint token $AWS_CONTAINER_AUTHORIZATION_TOKEN\"}"
echo "fatal: credentials $AWS_CONTAINER_AUTHORIZATION_TOKEN were rejected" >&2
exit 3`);
    const result = h.run();
    expect(result.code).toBe(4);
    const record = expectFailureRecord(h, CORE_KEY, 'core', /^agent exited with code 3: Bedrock rejected key none secret none token none via none endpoint token \[REDACTED\]$/);
    expect(Object.keys(record).sort()).toEqual(['buildId', 'error', 'finishedAt', 'phase', 'status']);
    // The stderr line was streamed (scrubbed) too.
    expect(result.stdout).toContain('fatal: credentials [REDACTED] were rejected');
    expectNoSecrets(h, result);
  });

  test('agent timeout: killed after FABLE_PHASE_TIMEOUT_SECONDS, exit 124, failure record', () => {
    h.stubClaude('echo "thinking very hard"\nsleep 30\necho never > output.json');
    const result = h.run({ FABLE_PHASE_TIMEOUT_SECONDS: '1' });
    expect(result.code).toBe(124);
    expect(result.ms).toBeLessThan(20_000); // far less than the stub's 30 s sleep
    expectFailureRecord(h, CORE_KEY, 'core', /^agent timed out after 1s; last output: thinking very hard/);
    expect(result.stdout).toContain('thinking very hard');
    expect(existsSync(join(h.workDir, 'core', 'output.json'))).toBe(false);
  });

  test('SIGTERM (task stopped): stops the agent, uploads a failure record, exits 143', async () => {
    h.stubClaude('echo "AGENT-STARTED"\nsleep 30');
    let signalled = false;
    const result = await h.runAsync({}, (chunk, child) => {
      if (!signalled && chunk.includes('AGENT-STARTED')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(signalled).toBe(true);
    expect(result.code).toBe(143);
    expect(result.ms).toBeLessThan(20_000); // far less than the stub's 30 s sleep
    expectFailureRecord(h, CORE_KEY, 'core', /terminated by SIGTERM/);
  });

  test('agent exits 0 without writing output.json', () => {
    h.stubClaude('echo "I am done"');
    const result = h.run();
    expect(result.code).toBe(5);
    expectFailureRecord(h, CORE_KEY, 'core', /finished without writing output\.json/);
  });

  test.each([
    ['truncated JSON', '{"status": "success", "tools": ['],
    ['not JSON at all', 'Here is my result: done'],
    ['a JSON array', '[{"toolName":"c-to-f"}]'],
    ['two JSON values', '{"summary":"a","tools":[{"toolName":"a-b"}]} {"b":2}'],
  ])('malformed output.json (%s)', (_name, content) => {
    writeFileSync(join(h.root, 'output.json'), content);
    h.stubClaude(`mkdir -p project && touch project/x && cp "${join(h.root, 'output.json')}" output.json`);
    const result = h.run();
    expect(result.code).toBe(5);
    expectFailureRecord(h, CORE_KEY, 'core', /output\.json is not a well-formed JSON object/);
  });

  test('core output without the required fields', () => {
    h.stubClaude(`mkdir -p project && touch project/x && echo '{"status":"success","tools":[{"toolName":"c-to-f"}]}' > output.json`);
    const result = h.run();
    expect(result.code).toBe(5);
    expectFailureRecord(h, CORE_KEY, 'core', /summary must be a non-empty string/);
  });

  test('an oversized output.json is rejected', () => {
    h.stubClaude(`mkdir -p project && touch project/x && printf '{"summary":"%s","tools":[{"toolName":"a-b"}]}' "$(head -c 140000 /dev/zero | tr '\\0' x)" > output.json`);
    const result = h.run();
    expect(result.code).toBe(5);
    expectFailureRecord(h, CORE_KEY, 'core', /larger than 131072 bytes/);
  });

  test('the agent reports failure itself: the record carries its reason', () => {
    h.stubClaude(`echo '{"status":"failed","error":"The request needs access to a private database."}' > output.json`);
    const result = h.run();
    expect(result.code).toBe(4);
    expectFailureRecord(h, CORE_KEY, 'core', /^the agent reported failure: The request needs access to a private database\.$/);
  });

  test('the agent\'s endpoint token in output.json is redacted from the uploaded record', () => {
    h.stubClaude(String.raw`mkdir -p project && touch project/x
echo "{\"summary\":\"used $AWS_CONTAINER_AUTHORIZATION_TOKEN\",\"tools\":[{\"toolName\":\"c-to-f\",\"notes\":\"$AWS_CONTAINER_AUTHORIZATION_TOKEN\"}]}" > output.json`);
    const result = h.run();
    expect(result.code).toBe(0);
    const record = h.readRecord(CORE_KEY);
    expect(record.summary).toBe('used [REDACTED]');
    expect(record.tools).toEqual([{ toolName: 'c-to-f', notes: '[REDACTED]' }]);
    expectNoSecrets(h, result);
  });

  test('a failed upload of the success record exits non-zero', () => {
    h.stubClaude(CORE_SUCCESS);
    const result = h.run({ STUB_AWS_FAIL_MATCH: 'core-output.json' });
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/could not write the failure record/);
  });
});
