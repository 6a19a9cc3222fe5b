package main

import (
	"fmt"
	"sort"
	"strings"

	k8sConst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	slim_metav1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	k8sutils "github.com/cilium/cilium/pkg/k8s/utils"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/policy/api"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Cilium's selector matching (MatchesRequirements) is an AND of
// requirements, each of which looks up one label of the identity by its key
// (LookupLabel); a pod identity holds at most one label per key. So a
// selector admits some labelling of a namespace exactly when, for every
// label key it mentions, some value (or absence) of that one label satisfies
// the requirements on that key. The search below tries the values key by key,
// each time with Cilium's matcher on the sub-selector of that key and the
// identity Cilium builds for the pod (SanitizePodLabels), instead of trying
// every combination; the combined witness is then checked with the whole
// selector, so a wrong split would show up as an error, not as an answer.

// base is one namespace as it is before the tenant chooses labels.
type base struct {
	name     string
	future   string
	isFuture bool
	free     bool
	labels   map[string]string
	fixed    map[string]bool
}

func (md *Model) bases(m mentions, names map[string]bool) []base {
	var out []base
	for _, ns := range md.Namespaces {
		fixed := map[string]bool{metadataNameLabel: true}
		for _, k := range ns.Fixed {
			fixed[k] = true
		}
		l := copyLabels(ns.Labels)
		l[metadataNameLabel] = ns.Name
		out = append(out, base{name: ns.Name, free: ns.Free, labels: l, fixed: fixed})
	}
	for _, f := range md.futures(m) {
		for _, name := range md.futureNames(names) {
			fixed := map[string]bool{metadataNameLabel: true}
			for k := range f.Labels {
				fixed[k] = true
			}
			for _, k := range f.Absent {
				fixed[k] = true
			}
			l := copyLabels(f.Labels)
			l[metadataNameLabel] = name
			out = append(out, base{name: name, future: f.Tenant, isFuture: true, free: true, labels: l, fixed: fixed})
		}
	}
	return out
}

// choice is what one pod in one namespace carries: its namespace's labels,
// its own labels and its service account.
type choice struct {
	ns  map[string]string
	pod map[string]string
	sa  string
}

func (c choice) identity(b base, cluster string) labels.LabelArray {
	return labels.Map2Labels(k8sutils.SanitizePodLabels(c.pod, nsObject{b.name, c.ns}, c.sa, cluster), labels.LabelSourceK8s).LabelArray()
}

// subSelectors splits a selector by the label key (as Cilium parses it) of each requirement.
func subSelectors(s api.EndpointSelector) map[string]api.EndpointSelector {
	ml := map[string]map[string]string{}
	ex := map[string][]slim_metav1.LabelSelectorRequirement{}
	if s.LabelSelector == nil {
		return nil
	}
	for k, v := range s.MatchLabels {
		key := labels.ParseSelectLabel(k).Key
		if ml[key] == nil {
			ml[key] = map[string]string{}
		}
		ml[key][k] = v
	}
	for _, e := range s.MatchExpressions {
		key := labels.ParseSelectLabel(e.Key).Key
		ex[key] = append(ex[key], e)
	}
	out := map[string]api.EndpointSelector{}
	for k, v := range ml {
		out[k] = api.NewESFromMatchRequirements(v, ex[k])
	}
	for k, v := range ex {
		if _, done := out[k]; !done {
			out[k] = api.NewESFromMatchRequirements(nil, v)
		}
	}
	return out
}

// admits finds a pod in namespace b that the selector admits, and returns its identity.
func admits(sel api.EndpointSelector, b base, nsLabels, podLabels mentions, serviceAccounts []string, cluster string) (labels.LabelArray, error) {
	c := choice{ns: copyLabels(b.labels), pod: map[string]string{}, sa: "default"}
	subs := subSelectors(sel)
	keys := make([]string, 0, len(subs))
	for k := range subs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		sub := policytypes.NewLabelSelector(subs[key])
		// The ways this one label of the identity can be set.
		var tries []func(choice) choice
		switch {
		case strings.HasPrefix(key, k8sConst.PodNamespaceMetaLabelsPrefix):
			l := strings.TrimPrefix(key, k8sConst.PodNamespaceMetaLabelsPrefix)
			if b.free && !b.fixed[l] && len(validation.IsQualifiedName(l)) == 0 {
				for _, o := range nsLabels.options(l) {
					tries = append(tries, func(c choice) choice { c.ns = with(c.ns, l, o); return c })
				}
			}
		case key == k8sConst.PolicyLabelServiceAccount:
			for _, sa := range serviceAccounts {
				tries = append(tries, func(c choice) choice { c.sa = sa; return c })
			}
		case strings.HasPrefix(key, k8sConst.LabelPrefix) || key == k8sConst.PodNamespaceLabel:
			// Set by Cilium from the namespace and the cluster: nothing to choose.
		default:
			if len(validation.IsQualifiedName(key)) == 0 {
				for _, o := range podLabels.options(key) {
					tries = append(tries, func(c choice) choice { c.pod = with(c.pod, key, o); return c })
				}
			}
		}
		if len(tries) == 0 {
			tries = []func(choice) choice{func(c choice) choice { return c }}
		}
		found := false
		for _, try := range tries {
			next := try(c)
			if sub.Matches(next.identity(b, cluster)) {
				c, found = next, true
				break
			}
		}
		if !found {
			return nil, nil
		}
	}
	id := c.identity(b, cluster)
	if !policytypes.NewLabelSelector(sel).Matches(id) {
		return nil, fmt.Errorf("the key-by-key search found %v, which the whole selector does not admit", id.GetModel())
	}
	return id, nil
}

// with returns a copy of m with key set to *v, or removed when v is nil.
func with(m map[string]string, key string, v *string) map[string]string {
	out := copyLabels(m)
	if v == nil {
		delete(out, key)
	} else {
		out[key] = *v
	}
	return out
}
