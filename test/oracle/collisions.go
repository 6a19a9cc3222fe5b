package main

import (
	"sort"

	cilium_v2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slim_metav1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/policy/api"
)

// maxVariants bounds how many readings of colliding keys are tried.
const maxVariants = 64

// When two matchLabels keys of one selector encode to the same Cilium key
// ("app" and "any:app"), NewESFromK8sLabelSelector writes both into one map
// entry while ranging over a Go map: which value survives is chosen at random
// on every parse. The oracle answers for every reading: variants returns one
// policy per choice of survivors.
func variants(cnp *cilium_v2.CiliumNetworkPolicy) ([]*cilium_v2.CiliumNetworkPolicy, bool) {
	type group struct {
		sel  func(*cilium_v2.CiliumNetworkPolicy) *slim_metav1.LabelSelector
		keys []string
	}
	var groups []group
	for _, at := range selectorsOf(cnp) {
		ls := at(cnp)
		if ls == nil {
			continue
		}
		byKey := map[string][]string{}
		for k := range ls.MatchLabels {
			enc := labels.NewSourceEncodedLabelKey(labels.LabelSourceAnyKeyPrefix, k)
			byKey[enc] = append(byKey[enc], k)
		}
		encs := make([]string, 0, len(byKey))
		for e := range byKey {
			encs = append(encs, e)
		}
		sort.Strings(encs)
		for _, e := range encs {
			if ks := byKey[e]; len(ks) > 1 {
				sort.Strings(ks)
				groups = append(groups, group{at, ks})
			}
		}
	}
	out := []*cilium_v2.CiliumNetworkPolicy{cnp.DeepCopy()}
	for _, g := range groups {
		var next []*cilium_v2.CiliumNetworkPolicy
		for _, base := range out {
			for _, keep := range g.keys {
				v := base.DeepCopy()
				ls := g.sel(v)
				for _, k := range g.keys {
					if k != keep {
						delete(ls.MatchLabels, k)
					}
				}
				next = append(next, v)
			}
		}
		if len(next) > maxVariants {
			return nil, false
		}
		out = next
	}
	return out, true
}

// selectorsOf lists accessors for every endpoint selector of a policy, so the
// same selector can be found again in a deep copy.
func selectorsOf(cnp *cilium_v2.CiliumNetworkPolicy) []func(*cilium_v2.CiliumNetworkPolicy) *slim_metav1.LabelSelector {
	var out []func(*cilium_v2.CiliumNetworkPolicy) *slim_metav1.LabelSelector
	rule := func(get func(*cilium_v2.CiliumNetworkPolicy) *api.Rule, r *api.Rule) {
		add := func(pick func(*api.Rule) *api.EndpointSelector) {
			out = append(out, func(c *cilium_v2.CiliumNetworkPolicy) *slim_metav1.LabelSelector { return pick(get(c)).LabelSelector })
		}
		add(func(x *api.Rule) *api.EndpointSelector { return &x.EndpointSelector })
		for i := range r.Ingress {
			for j := range r.Ingress[i].FromEndpoints {
				add(func(x *api.Rule) *api.EndpointSelector { return &x.Ingress[i].FromEndpoints[j] })
			}
		}
		for i := range r.IngressDeny {
			for j := range r.IngressDeny[i].FromEndpoints {
				add(func(x *api.Rule) *api.EndpointSelector { return &x.IngressDeny[i].FromEndpoints[j] })
			}
		}
		for i := range r.Egress {
			for j := range r.Egress[i].ToEndpoints {
				add(func(x *api.Rule) *api.EndpointSelector { return &x.Egress[i].ToEndpoints[j] })
			}
		}
		for i := range r.EgressDeny {
			for j := range r.EgressDeny[i].ToEndpoints {
				add(func(x *api.Rule) *api.EndpointSelector { return &x.EgressDeny[i].ToEndpoints[j] })
			}
		}
	}
	if cnp.Spec != nil {
		rule(func(c *cilium_v2.CiliumNetworkPolicy) *api.Rule { return c.Spec }, cnp.Spec)
	}
	for i := range cnp.Specs {
		rule(func(c *cilium_v2.CiliumNetworkPolicy) *api.Rule { return c.Specs[i] }, cnp.Specs[i])
	}
	return out
}
