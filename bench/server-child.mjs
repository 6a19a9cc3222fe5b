/**
 * A bench server (bench/server.mjs) in a child process, asked over IPC one
 * message at a time (start, stats, exit), and one HTTPS request to it.
 */
import { fork } from 'node:child_process';
import https from 'node:https';

export class ServerChild {
  /** `startOpts`: what the child's `start` needs besides its kind (TLS material, log level); `env`: added to the environment. */
  constructor(entry, kind, execArgv, startOpts, env = {}) {
    this.kind = kind;
    this.startOpts = startOpts;
    this.proc = fork(entry, [], { execArgv: ['--expose-gc', ...execArgv], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.queue = Promise.resolve();
    this.exited = new Promise((r) => this.proc.once('exit', r));
  }

  ask(msg) {
    const p = this.queue.then(() => new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${this.kind} server exited (${code})`));
      this.proc.once('exit', onExit);
      this.proc.once('message', (m) => {
        this.proc.off('exit', onExit);
        resolve(m);
      });
      this.proc.send(msg);
    }));
    this.queue = p.catch(() => undefined);
    return p;
  }

  async start() {
    const { port } = await this.ask({ cmd: 'start', kind: this.kind, ...this.startOpts });
    this.port = port;
    return this;
  }

  stats(gc = false) {
    return this.ask({ cmd: 'stats', gc });
  }

  async stop() {
    this.proc.send({ cmd: 'exit' });
    await this.exited;
  }
}

/** One POST of a bench body to 127.0.0.1:`port`, trusting `caPem`: its status and text. */
export function request(port, body, caPem) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: body.path, method: 'POST', ca: caPem, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body.body);
  });
}
