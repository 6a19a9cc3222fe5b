// Values handed from test/e2e/global-setup.ts to the tests (vitest inject()).
declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder with one kubeconfig per test user: admin, alice, bob, carol, mallory. */
    tgKubeconfigDir: string;
    /** The kubectl built by scripts/build-k8s.sh. */
    tgKubectl: string;
  }
}

export {};
