package main

import (
	"encoding/json"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

type npPeer struct {
	path string
	peer networkingv1.NetworkPolicyPeer
}

func reviewNetworkPolicy(md *Model, namespace string, raw json.RawMessage) Answer {
	var np networkingv1.NetworkPolicy
	if err := json.Unmarshal(raw, &np); err != nil {
		return Answer{Valid: false, Error: "unmarshal: " + err.Error()}
	}
	var peers []npPeer
	for i, in := range np.Spec.Ingress {
		for j, p := range in.From {
			peers = append(peers, npPeer{fmt.Sprintf("spec.ingress[%d].from[%d]", i, j), p})
		}
	}
	for i, eg := range np.Spec.Egress {
		for j, p := range eg.To {
			peers = append(peers, npPeer{fmt.Sprintf("spec.egress[%d].to[%d]", i, j), p})
		}
	}
	// The API server validates label selectors before any webhook sees the object.
	opts := metav1validation.LabelSelectorValidationOptions{}
	errs := metav1validation.ValidateLabelSelector(&np.Spec.PodSelector, opts, field.NewPath("spec", "podSelector"))
	for _, p := range peers {
		if p.peer.PodSelector != nil {
			errs = append(errs, metav1validation.ValidateLabelSelector(p.peer.PodSelector, opts, field.NewPath(p.path, "podSelector"))...)
		}
		if p.peer.NamespaceSelector != nil {
			errs = append(errs, metav1validation.ValidateLabelSelector(p.peer.NamespaceSelector, opts, field.NewPath(p.path, "namespaceSelector"))...)
		}
	}
	ans := Answer{Valid: len(errs) == 0, ReadBy: "apimachinery"}
	if len(errs) > 0 {
		ans.Error = errs.ToAggregate().Error()
		return ans
	}
	for _, p := range peers {
		if p.peer.IPBlock != nil {
			continue
		}
		peer, fatal := npPeerAnswer(md, namespace, p)
		if fatal != "" {
			return Answer{Fatal: fatal}
		}
		ans.Peers = append(ans.Peers, peer)
	}
	return ans
}

func requirementsOf(ls *metav1.LabelSelector, m mentions) (k8slabels.Selector, error) {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, err
	}
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		m.add(r.Key(), r.ValuesUnsorted()...)
	}
	return sel, nil
}

// npPeerAnswer answers which model namespaces hold a pod one peer admits.
func npPeerAnswer(md *Model, namespace string, p npPeer) (Peer, string) {
	peer := Peer{Path: p.path, Namespaces: []string{}, Futures: []string{}, Reserved: []string{}}
	podLabels, nsLabels := mentions{}, mentions{}
	podSel := k8slabels.Everything()
	if p.peer.PodSelector != nil {
		s, err := requirementsOf(p.peer.PodSelector, podLabels)
		if err != nil {
			return peer, p.path + ": " + err.Error()
		}
		podSel = s
	}
	// Without a namespaceSelector the peer is the policy's own namespace.
	var nsSel k8slabels.Selector
	if p.peer.NamespaceSelector != nil {
		s, err := requirementsOf(p.peer.NamespaceSelector, nsLabels)
		if err != nil {
			return peer, p.path + ": " + err.Error()
		}
		nsSel = s
	}
	names := map[string]bool{}
	for v := range nsLabels[metadataNameLabel] {
		names[v] = true
	}
	podKeys := podLabels.keys(nil)
	nsKeys := nsLabels.keys(nil)
	ok := md.forEachNamespace(nsKeys, nsLabels, names, func(c candidate) bool {
		if nsSel == nil && (c.name != namespace || c.isFuture) {
			return true
		}
		if nsSel != nil && !nsSel.Matches(k8slabels.Set(c.labels)) {
			return false
		}
		matched := false
		labellings(map[string]string{}, podKeys, podLabels, nil, func(pod map[string]string) bool {
			if podSel.Matches(k8slabels.Set(pod)) {
				matched = true
				if peer.Example == nil && c.name != namespace {
					peer.Example = []string{"namespace " + c.name, k8slabels.Set(c.labels).String(), "pod " + k8slabels.Set(pod).String()}
				}
			}
			return matched
		})
		if matched {
			if c.isFuture {
				peer.Futures = append(peer.Futures, c.future+"/"+c.name)
			} else {
				peer.Namespaces = appendOnce(peer.Namespaces, c.name)
			}
		}
		return matched
	})
	if !ok {
		return peer, p.path + ": too many labellings to try"
	}
	return peer, ""
}
