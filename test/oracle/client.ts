/**
 * One long-lived oracle process (the Go tool in this folder, built by
 * scripts/build-oracle.sh): requests go out as JSON lines, answers come back
 * in order, so a whole batch is written before the first answer is read.
 */
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OracleModel } from './world.js';

export interface OraclePeer {
  path: string;
  deny?: boolean;
  namespaces: string[];
  futures: string[];
  reserved: string[];
  example?: string[];
}

export interface OracleKey {
  text: string;
  source: string;
  key: string;
}

export interface OracleAnswer {
  id: number;
  valid: boolean;
  error?: string;
  readBy?: string;
  peers: OraclePeer[] | null;
  keys?: OracleKey[] | null;
  fatal?: string;
}

export type OracleKind = 'CiliumNetworkPolicy' | 'NetworkPolicy';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The oracle binary: TG_ORACLE_BIN, or where scripts/build-oracle.sh caches it. */
export function oracleBinary(): string {
  const fromEnv = process.env.TG_ORACLE_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const bin = execFileSync('bash', [path.join(repoRoot, 'scripts', 'build-oracle.sh'), '--print-path'], { encoding: 'utf8' }).trim();
  if (!existsSync(bin)) throw new Error(`the oracle is not built (${bin}): run scripts/build-oracle.sh`);
  return bin;
}

export class Oracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  private stderr = '';

  private constructor(bin: string) {
    this.child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    // Keep the end of stderr only, for the message when the process dies.
    this.child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      // Answers come in request order; a line nobody asked for is a protocol error.
      const w = this.waiting.shift();
      if (w === undefined) throw new Error(`unexpected line from the oracle: ${line}`);
      w.resolve(line);
    });
    this.child.on('exit', (code) => {
      const e = new Error(`the oracle exited (${String(code)}): ${this.stderr}`);
      for (const w of this.waiting.splice(0)) w.reject(e);
    });
  }

  static async start(model: OracleModel, bin = oracleBinary()): Promise<Oracle> {
    const o = new Oracle(bin);
    const ack = await o.send({ model });
    if (!ack.includes('"ok":true')) throw new Error(`the oracle refused the model: ${ack}`);
    return o;
  }

  private send(request: unknown): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Answers for a batch of objects, in order. */
  async ask(kind: OracleKind, namespace: string, objects: readonly unknown[]): Promise<OracleAnswer[]> {
    const pending = objects.map((object) => this.send({ id: this.nextId++, kind, namespace, object }));
    const lines = await Promise.all(pending);
    return lines.map((l) => {
      const a = JSON.parse(l) as OracleAnswer;
      if (a.fatal !== undefined) throw new Error(`the oracle could not answer: ${a.fatal}`);
      return a;
    });
  }

  stop(): void {
    this.child.stdin.end();
  }
}
