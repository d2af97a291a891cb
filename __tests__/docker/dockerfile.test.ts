/**
 * Static checks of the build image definition (no Docker engine needed): docker/build/Dockerfile,
 * its .dockerignore allowlist, the prompt templates, and shellcheck on the shell scripts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listContextFiles } from '../../src/build-image/context-hash';
import { AGENT_UID, BUILD_DIR, ENTRYPOINT, PROMPTS_DIR, STUB_AWS, commandExists } from '../helpers/entrypoint-harness';
import { WRITABLE_MOUNTS } from '../../src/pipeline/build-tasks';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Parses a Dockerfile into instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (buffer === '' && (line === '' || line.startsWith('#'))) return;
    if (buffer !== '' && line.startsWith('#')) return; // comment inside a continuation
    if (buffer === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^(\S+)\s*(.*)$/s.exec(buffer);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: startLine });
    buffer = '';
  });
  return instructions;
}

/** `KEY=value` pairs of an ENV/ARG/LABEL instruction (quotes removed). */
function keyValues(args: string): Array<[string, string | undefined]> {
  const pairs: Array<[string, string | undefined]> = [];
  const re = /([A-Za-z_][A-Za-z0-9_.-]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  for (let m = re.exec(args); m; m = re.exec(args)) {
    const raw = m[2];
    pairs.push([m[1], raw === undefined ? undefined : raw.replace(/^["']|["']$/g, '')]);
  }
  return pairs;
}

const dockerfileText = readFileSync(join(BUILD_DIR, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfileText);
const fromIndexes = instructions.flatMap((ins, i) => (ins.keyword === 'FROM' ? [i] : []));
const finalStage = instructions.slice(fromIndexes[fromIndexes.length - 1]);
const globalArgs = new Map(
  instructions.slice(0, fromIndexes[0]).filter((ins) => ins.keyword === 'ARG').flatMap((ins) => keyValues(ins.args)),
);
const stageArgs = new Map(finalStage.filter((ins) => ins.keyword === 'ARG').flatMap((ins) => keyValues(ins.args)));
const envPairs = finalStage.filter((ins) => ins.keyword === 'ENV').flatMap((ins) => keyValues(ins.args));
const env = new Map(envPairs);

describe('Dockerfile', () => {
  test('every base image is pinned to an exact version tag or a digest', () => {
    const stageNames = new Set<string>();
    expect(fromIndexes.length).toBeGreaterThan(0);
    for (const i of fromIndexes) {
      const [imageRef, as, stageName] = instructions[i].args.split(/\s+/);
      const image = imageRef.replace(/^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/, (_m, name: string) => {
        const value = globalArgs.get(name);
        if (!value) throw new Error(`FROM uses \${${name}} without a default`);
        return value;
      });
      if (!stageNames.has(image)) {
        expect(image).toMatch(/^[a-z0-9./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/);
        const tag = /:([\w.-]+)(@|$)/.exec(image)?.[1] ?? '';
        const pinned = /@sha256:[0-9a-f]{64}$/.test(image) || /^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/.test(tag);
        expect({ image, pinned }).toEqual({ image, pinned: true });
      }
      if (as?.toUpperCase() === 'AS' && stageName) stageNames.add(stageName);
    }
  });

  test('the base is Node.js 24 LTS on a slim Debian image', () => {
    expect(globalArgs.get('NODE_IMAGE')).toMatch(/^node:24\.\d+\.\d+-(trixie|bookworm)-slim$/);
  });

  test('the word "latest" appears nowhere (no floating tags or versions)', () => {
    expect(dockerfileText).not.toMatch(/latest/i);
  });

  test('Claude Code is installed at a pinned version given by the CLAUDE_CODE_VERSION build arg', () => {
    expect(stageArgs.get('CLAUDE_CODE_VERSION')).toMatch(/^\d+\.\d+\.\d+$/);
    const install = finalStage.find((ins) => ins.keyword === 'RUN' && ins.args.includes('@anthropic-ai/claude-code'));
    expect(install?.args).toContain('@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}');
  });

  test('the AWS CLI installer is pinned, signature-checked and picked per TARGETARCH', () => {
    const awsStage = instructions.slice(fromIndexes[0], fromIndexes[1]);
    const args = new Map(awsStage.filter((ins) => ins.keyword === 'ARG').flatMap((ins) => keyValues(ins.args)));
    expect(args.get('AWS_CLI_VERSION')).toMatch(/^2\.\d+\.\d+$/);
    expect(args.get('AWS_CLI_PGP_FINGERPRINT')).toMatch(/^[0-9A-F]{40}$/);
    expect(args.has('TARGETARCH')).toBe(true);
    const run = awsStage.filter((ins) => ins.keyword === 'RUN').map((ins) => ins.args).join('\n');
    expect(run).toContain('amd64) cli_arch=x86_64');
    expect(run).toContain('arm64) cli_arch=aarch64');
    expect(run).toContain('gpgv --keyring');
  });

  test('the entrypoint starts as root; the agent\'s user (the entrypoint\'s default uid) exists, is not root, and owns /work', () => {
    const userIndexes = finalStage.flatMap((ins, i) => (ins.keyword === 'USER' ? [i] : []));
    const entrypointIndex = finalStage.findIndex((ins) => ins.keyword === 'ENTRYPOINT');
    expect(userIndexes.length).toBe(1);
    expect(entrypointIndex).toBeGreaterThan(userIndexes[0]);
    expect(finalStage[userIndexes[0]].args).toBe('0:0');
    expect(dockerfileText).toContain(`useradd --uid ${AGENT_UID} --gid ${AGENT_UID}`);
    expect(dockerfileText).toContain(`install -d -o ${AGENT_UID} -g ${AGENT_UID} -m 0755 /work /work/home /work/tmp`);
    expect(readFileSync(ENTRYPOINT, 'utf8')).toContain(`FABLE_AGENT_UID:-${AGENT_UID}`);
    expect(dockerfileText).toContain('COPY agent-credentials.mjs /opt/fable/agent-credentials.mjs');
  });

  test('the entrypoint is the FABLE entrypoint (exec form), copied in and executable', () => {
    const entrypoint = finalStage.find((ins) => ins.keyword === 'ENTRYPOINT');
    const argv = JSON.parse(entrypoint?.args ?? 'null') as string[];
    expect(argv[argv.length - 1]).toBe('/usr/local/bin/fable-entrypoint');
    expect(finalStage.some((ins) => ins.keyword === 'COPY' && ins.args === 'entrypoint.sh /usr/local/bin/fable-entrypoint')).toBe(true);
    expect(finalStage.some((ins) => ins.keyword === 'COPY' && ins.args === 'prompts/ /opt/fable/prompts/')).toBe(true);
    expect(dockerfileText).toContain('chmod 0755 /usr/local/bin/fable-entrypoint');
  });

  test('sets the Claude Code flags, writable HOME/TMPDIR on the /work volume, and no region', () => {
    expect(env.get('CLAUDE_CODE_USE_BEDROCK')).toBe('1');
    expect(env.get('CLAUDE_CODE_SKIP_OOBE')).toBe('1');
    expect(env.get('DISABLE_AUTOUPDATER')).toBe('1');
    expect(env.get('HOME')).toBe('/work/home');
    expect(env.get('TMPDIR')).toBe('/work/tmp');
    expect(env.get('FABLE_WORK_DIR')).toBe('/work');
    expect(env.get('FABLE_PROMPTS_DIR')).toBe('/opt/fable/prompts');
    // Every writable mount of the read-only task definition is a VOLUME, so ECS copies its ownership.
    expect(JSON.parse(finalStage.find((ins) => ins.keyword === 'VOLUME')!.args)).toEqual(WRITABLE_MOUNTS.map((m) => m.containerPath));
    expect(dockerfileText).not.toMatch(/AWS_(DEFAULT_)?REGION/);
  });

  test('no secret-looking ENV or ARG has a value', () => {
    const all = instructions
      .filter((ins) => ins.keyword === 'ENV' || ins.keyword === 'ARG')
      .flatMap((ins) => keyValues(ins.args));
    const secretLike = all.filter(([name, value]) => /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL/i.test(name) && value);
    expect(secretLike).toEqual([]);
  });

  test('every COPY source is inside the build context that .dockerignore lets through', () => {
    const context = listContextFiles(BUILD_DIR);
    expect(context).toEqual(['Dockerfile', 'agent-credentials.mjs', 'awscli-public-key.asc', 'entrypoint.sh', 'prompts/core.md', 'prompts/oi.md', 'prompts/worker.md']);
    const sources = instructions
      .filter((ins) => ins.keyword === 'COPY' && !ins.args.startsWith('--from'))
      .map((ins) => ins.args.split(/\s+/)[0].replace(/\/$/, ''));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(context.some((file) => file === source || file.startsWith(`${source}/`))).toBe(true);
    }
  });
});

describe('entrypoint.sh and prompts', () => {
  test('entrypoint.sh is strict bash, executable, and never traces commands', () => {
    const text = readFileSync(ENTRYPOINT, 'utf8');
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -Eeuo pipefail$/m);
    const code = text.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    expect(code).not.toMatch(/set -[a-zA-Z]*x|set -o xtrace|^\s*env\s*$|printenv|declare -p|export -p/m);
    expect(statSync(ENTRYPOINT).mode & 0o111).not.toBe(0);
  });

  test.each(['core', 'oi', 'worker'])('the %s prompt describes output.json and uses only known placeholders', (phase) => {
    const text = readFileSync(join(PROMPTS_DIR, `${phase}.md`), 'utf8');
    expect(text).toContain('output.json');
    expect(text).toContain('"status": "success"');
    expect(text).toContain('"status": "failed"');
    const placeholders = new Set(text.match(/\{\{[A-Z_]+\}\}/g) ?? []);
    const known = ['{{PHASE}}', '{{BUILD_ID}}', '{{ARTIFACTS_BUCKET}}', '{{WORKSPACE}}', '{{WORK_DIR}}', '{{OUTPUT_FILE}}', '{{WORKER_ID}}', '{{TIMEOUT_SECONDS}}'];
    for (const placeholder of placeholders) expect(known).toContain(placeholder);
  });

  test('the oi prompt gives the exact tool list shape, the S3 key layout and how to start workers', () => {
    const text = readFileSync(join(PROMPTS_DIR, 'oi.md'), 'utf8');
    for (const field of ['"toolName"', '"schema"', '"name"', '"description"', '"inputSchema"', 'packages/<toolName>.zip']) {
      expect(text).toContain(field);
    }
    expect(text).toContain('tools/<toolName>/<sha256>.zip');
    expect(text).toContain('FABLE_PHASE=worker FABLE_WORKER_ID=');
    expect(text).toContain('FABLE_WORKER_TASK_FILE=');
  });
});

describe('shellcheck', () => {
  const available = commandExists('shellcheck');
  if (!available && !process.env.CI) {
    console.warn('shellcheck is not installed: skipping the shellcheck tests locally (CI requires it: apt-get install -y shellcheck)');
  }
  const maybe = available || process.env.CI ? test : test.skip;

  maybe.each([
    ['docker/build/entrypoint.sh', ENTRYPOINT],
    ['the stub aws used by the tests', STUB_AWS],
  ])('%s passes shellcheck', (_name, file) => {
    if (!available) throw new Error('shellcheck is required in CI (apt-get install -y shellcheck)');
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
