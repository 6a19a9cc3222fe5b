/**
 * Serving certificates from files, reloaded without a restart: Secret
 * volumes update by swapping a symlink, which fs.watch misses, so the files
 * are polled and compared by content. A half-written pair (key and cert that
 * do not match) is ignored until both are consistent.
 */
import { createHash, X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface TlsMaterial {
  key: string;
  cert: string;
}

export type TlsLoad = { ok: true; material: TlsMaterial } | { ok: false; message: string };

export async function loadTlsFiles(certFile: string, keyFile: string): Promise<TlsLoad> {
  let cert: string;
  let key: string;
  try {
    // One after the other: when both are missing, the message names the certificate, whichever read fails first.
    cert = await readFile(certFile, 'utf8');
    key = await readFile(keyFile, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, message: `cannot read ${e.path ?? `${certFile} / ${keyFile}`}: ${e.code ?? e.message}` };
  }
  return checkPair({ cert, key }, certFile);
}

export function checkPair(m: TlsMaterial, label = 'certificate'): TlsLoad {
  try {
    const x509 = new X509Certificate(m.cert);
    const key = createPrivateKey(m.key);
    if (!x509.checkPrivateKey(key)) return { ok: false, message: `${label}: the key does not match the certificate` };
    if (new Date(x509.validTo).getTime() < Date.now()) return { ok: false, message: `${label}: the certificate expired on ${x509.validTo}` };
  } catch (err) {
    return { ok: false, message: `${label}: not a PEM certificate and key (${(err as Error).message})` };
  }
  return { ok: true, material: m };
}

function digest(m: TlsMaterial): string {
  return createHash('sha256').update(m.cert).update('\0').update(m.key).digest('hex');
}

export interface TlsWatchLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

/** Poll the files; call onChange with each new consistent pair. Returns a stop function. */
export function watchTlsFiles(certFile: string, keyFile: string, current: TlsMaterial, onChange: (m: TlsMaterial) => void, log: TlsWatchLog, intervalMs = 2000): () => void {
  let last = digest(current);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void loadTlsFiles(certFile, keyFile).then((r) => {
      if (!r.ok) {
        log.warn({ err: r.message }, 'certificate files not usable; keeping the current certificate');
        return;
      }
      const d = digest(r.material);
      if (d === last) return;
      last = d;
      onChange(r.material);
      log.info({ certFile }, 'serving certificate reloaded');
    }).finally(() => { busy = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
