package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	k8sConst "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	ciliumutils "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/utils"
	cilium_v2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/policy/api"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// nsObject gives SanitizePodLabels the namespace it asks for.
type nsObject struct {
	name   string
	labels map[string]string
}

func (n nsObject) GetName() string              { return n.name }
func (n nsObject) GetLabels() map[string]string { return n.labels }

// peerSelector is one endpoint selector of a rule, with its path.
type peerSelector struct {
	path string
	deny bool
	sel  api.EndpointSelector
}

func rulePeers(r *api.Rule, base string) []peerSelector {
	var out []peerSelector
	for i, in := range r.Ingress {
		for j, s := range in.FromEndpoints {
			out = append(out, peerSelector{fmt.Sprintf("%s.ingress[%d].fromEndpoints[%d]", base, i, j), false, s})
		}
	}
	for i, in := range r.IngressDeny {
		for j, s := range in.FromEndpoints {
			out = append(out, peerSelector{fmt.Sprintf("%s.ingressDeny[%d].fromEndpoints[%d]", base, i, j), true, s})
		}
	}
	for i, eg := range r.Egress {
		for j, s := range eg.ToEndpoints {
			out = append(out, peerSelector{fmt.Sprintf("%s.egress[%d].toEndpoints[%d]", base, i, j), false, s})
		}
	}
	for i, eg := range r.EgressDeny {
		for j, s := range eg.ToEndpoints {
			out = append(out, peerSelector{fmt.Sprintf("%s.egressDeny[%d].toEndpoints[%d]", base, i, j), true, s})
		}
	}
	return out
}

// encodeSelectors does what EndpointSelector.Sanitize does after its key
// validation: it encodes every key with Cilium's source prefix rules.
func encodeSelectors(r *api.Rule) {
	enc := func(s *api.EndpointSelector) {
		if s.LabelSelector != nil {
			*s = api.NewESFromK8sLabelSelector(labels.LabelSourceAnyKeyPrefix, s.LabelSelector)
		}
	}
	enc(&r.EndpointSelector)
	for i := range r.Ingress {
		for j := range r.Ingress[i].FromEndpoints {
			enc(&r.Ingress[i].FromEndpoints[j])
		}
	}
	for i := range r.IngressDeny {
		for j := range r.IngressDeny[i].FromEndpoints {
			enc(&r.IngressDeny[i].FromEndpoints[j])
		}
	}
	for i := range r.Egress {
		for j := range r.Egress[i].ToEndpoints {
			enc(&r.Egress[i].ToEndpoints[j])
		}
	}
	for i := range r.EgressDeny {
		for j := range r.EgressDeny[i].ToEndpoints {
			enc(&r.EgressDeny[i].ToEndpoints[j])
		}
	}
}

func selectorKeys(ps []peerSelector, r *api.Rule) []string {
	var out []string
	add := func(s api.EndpointSelector) {
		if s.LabelSelector == nil {
			return
		}
		for k := range s.MatchLabels {
			out = append(out, k)
		}
		for _, e := range s.MatchExpressions {
			out = append(out, e.Key)
		}
	}
	add(r.EndpointSelector)
	for _, p := range ps {
		add(p.sel)
	}
	return out
}

func reviewCilium(md *Model, namespace string, raw json.RawMessage) Answer {
	var cnp cilium_v2.CiliumNetworkPolicy
	if err := json.Unmarshal(raw, &cnp); err != nil {
		return Answer{Valid: false, Error: "unmarshal: " + err.Error()}
	}
	cnp.Namespace = namespace
	if cnp.Name == "" {
		cnp.Name = "policy"
	}
	ans := Answer{ReadBy: "agent"}
	_, err := cnp.DeepCopy().Parse(quiet, md.Cluster)
	ans.Valid = err == nil
	if err != nil {
		ans.Error = err.Error()
		ans.ReadBy = "matching"
	}
	readings, ok := variants(&cnp)
	if !ok {
		return Answer{Fatal: "too many readings of colliding matchLabels keys"}
	}
	var all [][]*api.Rule
	for _, v := range readings {
		all = append(all, readRules(md, namespace, v, ans.Valid))
	}
	// Keys as written, read by Cilium's parser (from the object as sent).
	orig := cnp.DeepCopy()
	var origRules []*api.Rule
	if orig.Spec != nil {
		origRules = append(origRules, orig.Spec)
	}
	origRules = append(origRules, orig.Specs...)
	seen := map[string]bool{}
	for _, r := range origRules {
		for _, k := range selectorKeys(rulePeers(r, ""), r) {
			if seen[k] {
				continue
			}
			seen[k] = true
			l := labels.ParseSelectLabel(labels.NewSourceEncodedLabelKey(labels.LabelSourceAnyKeyPrefix, k))
			ans.Keys = append(ans.Keys, Key{Text: k, Source: l.Source, Key: l.Key})
		}
	}
	hasSpec := cnp.Spec != nil
	// One answer per peer path: the union over every reading of colliding keys.
	byPath := map[string]int{}
	for _, rules := range all {
		for i, r := range rules {
			base := "spec"
			if !hasSpec || i > 0 {
				n := i
				if hasSpec {
					n = i - 1
				}
				base = fmt.Sprintf("specs[%d]", n)
			}
			for _, p := range rulePeers(r, base) {
				peer, fatal := ciliumPeer(md, namespace, p)
				if fatal != "" {
					return Answer{Fatal: fatal}
				}
				if at, seen := byPath[p.path]; seen {
					merge(&ans.Peers[at], peer)
				} else {
					byPath[p.path] = len(ans.Peers)
					ans.Peers = append(ans.Peers, peer)
				}
			}
		}
	}
	return ans
}

// readRules turns one reading of the policy into Cilium's rules: with the
// agent's own Parse when the policy is valid, otherwise with Cilium's key
// encoding and namespace pinning but without the key validation that rejected it.
func readRules(md *Model, namespace string, cnp *cilium_v2.CiliumNetworkPolicy, valid bool) []*api.Rule {
	if valid {
		rules, err := cnp.DeepCopy().Parse(quiet, md.Cluster)
		if err == nil {
			return rules
		}
	}
	src := cnp.DeepCopy()
	var specs []*api.Rule
	if src.Spec != nil {
		specs = append(specs, src.Spec)
	}
	specs = append(specs, src.Specs...)
	var rules []*api.Rule
	for _, r := range specs {
		encodeSelectors(r)
		rules = append(rules, ciliumutils.ParseToCiliumRule(quiet, md.Cluster, namespace, cnp.Name, cnp.UID, r))
	}
	return rules
}

func merge(into *Peer, p Peer) {
	for _, n := range p.Namespaces {
		into.Namespaces = appendOnce(into.Namespaces, n)
	}
	for _, f := range p.Futures {
		into.Futures = appendOnce(into.Futures, f)
	}
	for _, r := range p.Reserved {
		into.Reserved = appendOnce(into.Reserved, r)
	}
	if into.Example == nil {
		into.Example = p.Example
	}
}

// ciliumPeer answers which model identities one (pinned) selector admits.
func ciliumPeer(md *Model, namespace string, p peerSelector) (Peer, string) {
	sel := policytypes.NewLabelSelector(p.sel)
	peer := Peer{Path: p.path, Deny: p.deny, Namespaces: []string{}, Futures: []string{}, Reserved: []string{}}
	// What the selector mentions, as Cilium's label parser reads its keys.
	nsLabels, podLabels, names := mentions{}, mentions{}, map[string]bool{}
	visitKeys(p.sel, func(key string, values []string) {
		l := labels.ParseSelectLabel(key)
		if l.Source != labels.LabelSourceK8s && l.Source != labels.LabelSourceAny {
			return
		}
		switch {
		case l.Key == k8sConst.PodNamespaceLabel:
			for _, v := range values {
				names[v] = true
			}
		case strings.HasPrefix(l.Key, k8sConst.PodNamespaceMetaLabelsPrefix):
			nsLabels.add(strings.TrimPrefix(l.Key, k8sConst.PodNamespaceMetaLabelsPrefix), values...)
			if strings.TrimPrefix(l.Key, k8sConst.PodNamespaceMetaLabelsPrefix) == metadataNameLabel {
				for _, v := range values {
					names[v] = true
				}
			}
		default:
			podLabels.add(l.Key, values...)
		}
	})
	// Pods cannot carry io.cilium.k8s.* labels (SanitizePodLabels strips them);
	// the service account is chosen through the pod's spec instead: the
	// default one, one the selector names, one it names nowhere (a tenant
	// creates service accounts of any name), or none (a cluster without the
	// ServiceAccount admission plugin leaves it empty, and Cilium then gives
	// the pod no service-account label).
	saKey := k8sConst.PolicyLabelServiceAccount
	serviceAccounts := []string{"default", "", freshValue}
	for v := range podLabels[saKey] {
		serviceAccounts = append(serviceAccounts, v)
	}
	sort.Strings(serviceAccounts)
	for _, b := range md.bases(nsLabels, names) {
		id, err := admits(p.sel, b, nsLabels, podLabels, serviceAccounts, md.Cluster)
		if err != nil {
			return peer, fmt.Sprintf("%s: %v", p.path, err)
		}
		if id == nil {
			continue
		}
		if peer.Example == nil && b.name != namespace {
			peer.Example = id.GetModel()
		}
		if b.isFuture {
			peer.Futures = append(peer.Futures, b.future+"/"+b.name)
		} else {
			peer.Namespaces = appendOnce(peer.Namespaces, b.name)
		}
	}
	for _, r := range md.Reserved {
		if sel.Matches(labels.LabelArray{labels.NewLabel(r, "", labels.LabelSourceReserved)}) {
			peer.Reserved = append(peer.Reserved, r)
		}
	}
	return peer, ""
}

func visitKeys(s api.EndpointSelector, f func(key string, values []string)) {
	if s.LabelSelector == nil {
		return
	}
	for k, v := range s.MatchLabels {
		f(k, []string{v})
	}
	for _, e := range s.MatchExpressions {
		f(e.Key, e.Values)
	}
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
