/** The development cluster's env file: written for a shell's eval and read back by the tests, the same values. */
import { describe, expect, it } from 'vitest';
import { clusterEnvOf, envFileText, layoutOf, parseEnvFile, shellWord } from './layout.js';

describe('shellWord', () => {
  it.each([
    ['/tmp/tg-e2e-x/cluster', '/tmp/tg-e2e-x/cluster'],
    ['https://127.0.0.1:6443', 'https://127.0.0.1:6443'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
  ])('%j → %s', (value, word) => {
    expect(shellWord(value)).toBe(word);
  });
});

describe('the env file', () => {
  const layout = layoutOf({ TG_CLUSTER_DIR: "/tmp/a dir/it's here" });
  const cluster = { binDir: '/cache/k8s/bin', apiUrl: 'https://127.0.0.1:40001', apiPort: 40001, etcdPort: 40002, webhookPort: 40003, webhookKind: 'tenant-guard' };

  it('reads back what it wrote, quoted or not', () => {
    const vars = parseEnvFile(envFileText(layout, cluster));
    expect(clusterEnvOf(vars)).toEqual(cluster);
    expect(vars.TG_CLUSTER_DIR).toBe("/tmp/a dir/it's here");
    expect(vars.KUBECONFIG_ALICE).toBe("/tmp/a dir/it's here/kubeconfig/alice");
    expect(vars.TG_WEBHOOK_URL).toBe('https://127.0.0.1:40003');
    expect(vars.TG_WEBHOOK_USER).toBe('system:serviceaccount:tenant-guard-system:tenant-guard');
  });

  it('names every variable the tests and users rely on', () => {
    const vars = parseEnvFile(envFileText(layout, cluster));
    expect(Object.keys(vars).sort()).toEqual([
      'KUBECONFIG_ADMIN', 'KUBECONFIG_ALICE', 'KUBECONFIG_BOB', 'KUBECONFIG_CAROL', 'KUBECONFIG_MALLORY',
      'TG_APISERVER_PORT', 'TG_APISERVER_URL', 'TG_CA_FILE', 'TG_CLUSTER_DIR', 'TG_E2E_KUBECONFIG_DIR', 'TG_ETCD_PORT',
      'TG_K8S_BIN_DIR', 'TG_KUBECTL', 'TG_WEBHOOK_KIND', 'TG_WEBHOOK_KUBECONFIG', 'TG_WEBHOOK_PORT', 'TG_WEBHOOK_URL', 'TG_WEBHOOK_USER',
    ]);
  });
});

describe('layoutOf', () => {
  it('one lock file per state folder, outside it', () => {
    const a = layoutOf({ TG_CLUSTER_DIR: '/tmp/one', TMPDIR: '/locks' });
    const b = layoutOf({ TG_CLUSTER_DIR: '/tmp/two', TMPDIR: '/locks' });
    expect(a.lockFile).toMatch(/^\/locks\/tenant-guard-cluster-[0-9a-f]{16}\.lock$/);
    expect(a.lockFile).not.toBe(b.lockFile);
    expect(layoutOf({ TG_CLUSTER_DIR: '/tmp/one', TMPDIR: '/locks' }).lockFile).toBe(a.lockFile);
  });

  it('timeouts from the environment, defaults otherwise', () => {
    expect(layoutOf({}).timeoutS).toBe(120);
    expect(layoutOf({ TG_UP_TIMEOUT: '30', TG_LOCK_TIMEOUT: '5' })).toMatchObject({ timeoutS: 30, lockTimeoutS: 5 });
    expect(layoutOf({ TG_UP_TIMEOUT: 'soon' }).timeoutS).toBe(120);
  });
});
