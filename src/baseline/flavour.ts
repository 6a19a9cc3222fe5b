/**
 * Which baseline flavour is written: the configured one, except that the
 * Cilium flavour falls back to NetworkPolicy (which Cilium enforces too)
 * while the API server does not serve CiliumNetworkPolicy. The fallback is
 * said once each time it starts, in the log and as a Warning Event on the
 * controller's Lease (the one object an operator looks at for the controller).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Served } from '../kube/discovery.js';
import type { EventSink } from '../kube/events.js';
import type { Flavour } from './desired.js';

const FALLBACK_MESSAGE = 'baseline.flavour is cilium, but the API server does not serve cilium.io/v2 CiliumNetworkPolicy; writing the NetworkPolicy flavour instead (Cilium enforces it too) until the CRD is served';

export class BaselineFlavour {
  private warned: boolean | undefined;

  constructor(
    private readonly config: Config,
    /** What API discovery last found; undefined before it first answered. */
    private readonly served: () => Served | undefined,
    private readonly events: EventSink,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  current(): Flavour {
    return this.fallsBack() ? 'networkpolicy' : this.config.baseline.flavour;
  }

  /** Say so when the fallback starts (again); nothing while it holds or when it ends. */
  note(): void {
    const fellBack = this.fallsBack();
    if (fellBack === this.warned) return;
    this.warned = fellBack;
    if (!fellBack) return;
    const le = this.config.controller.leaderElection;
    this.log.warn({ flavour: 'networkpolicy' }, FALLBACK_MESSAGE);
    this.events.emit(le.leaseNamespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: le.leaseName, namespace: le.leaseNamespace }, 'Warning', 'CiliumNotServed', FALLBACK_MESSAGE);
  }

  private fallsBack(): boolean {
    return this.config.baseline.flavour === 'cilium' && this.served()?.ciliumNetworkPolicies !== true;
  }
}
