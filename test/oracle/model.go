package main

import (
	"sort"

	"k8s.io/apimachinery/pkg/util/validation"
)

// metadataNameLabel is set by the API server on every namespace, to its name.
const metadataNameLabel = "kubernetes.io/metadata.name"

// freshValue stands for "some value the selector does not mention".
const freshValue = "zz-unmentioned"

// maxCandidates bounds the labellings tried per namespace; the suite keeps its
// selectors well below it, and an answer that would need more is an error.
const maxCandidates = 20000

// Namespace is one namespace of the model cluster. A namespace of a tenant is
// "free": its tenant may set any label on it except the fixed ones (the owner
// label the webhook owns, and metadata.name).
type Namespace struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	Free   bool              `json:"free"`
	Fixed  []string          `json:"fixed"`
}

// Future is a namespace a tenant could create later: any name that does not
// exist yet, its fixed labels (the owner label) and any other labels it likes.
// Tenant "*" stands for every tenant not named in the configuration (members
// by group prefix) and for namespaces the platform creates without a tenant:
// its owner label holds any label value but those in Model.NotTenants.
type Future struct {
	Tenant string            `json:"tenant"`
	Labels map[string]string `json:"labels"`
	// Absent are labels the namespace never carries (the owner label, for
	// one the platform creates without an owner).
	Absent []string `json:"absent"`
}

// Model is the cluster the oracle answers about.
type Model struct {
	Namespaces []Namespace `json:"namespaces"`
	Futures    []Future    `json:"futures"`
	// Reserved identities (host, world, kube-apiserver, ...).
	Reserved []string `json:"reserved"`
	Cluster  string   `json:"cluster"`
	// TenantLabel is the owner label; NotTenants are values no tenant can hold.
	TenantLabel string   `json:"tenantLabel"`
	NotTenants  []string `json:"notTenants"`
}

// futures expands Tenant "*" over the owner-label values a selector mentions.
func (md *Model) futures(m mentions) []Future {
	var out []Future
	named := map[string]bool{}
	for _, n := range md.NotTenants {
		named[n] = true
	}
	for _, f := range md.Futures {
		// The owner-less future carries no owner label; an empty one is still a value to try.
		if f.Tenant != "*" && f.Tenant != "" {
			named[f.Tenant] = true
		}
	}
	for _, f := range md.Futures {
		if f.Tenant != "*" {
			out = append(out, f)
			continue
		}
		tenants := []string{"zz-new-tenant"}
		for v := range m[md.TenantLabel] {
			// Any value a label can hold: an empty owner label is no owner.
			if !named[v] && len(validation.IsValidLabelValue(v)) == 0 {
				tenants = append(tenants, v)
			}
		}
		sort.Strings(tenants)
		for _, t := range tenants {
			l := copyLabels(f.Labels)
			l[md.TenantLabel] = t
			out = append(out, Future{Tenant: t, Labels: l})
		}
	}
	return out
}

// candidate is one namespace as it could be labelled.
type candidate struct {
	name     string
	future   string // the tenant, for a namespace created later
	isFuture bool
	labels   map[string]string
}

// mentions collects, per label key, the values a selector compares it with.
type mentions map[string]map[string]bool

func (m mentions) add(key string, values ...string) {
	if m[key] == nil {
		m[key] = map[string]bool{}
	}
	for _, v := range values {
		m[key][v] = true
	}
}

// options lists what a label could hold: absent (nil), each mentioned value
// that is a valid label value, and one value that is mentioned nowhere.
func (m mentions) options(key string) []*string {
	out := []*string{nil}
	vals := make([]string, 0, len(m[key])+1)
	for v := range m[key] {
		if len(validation.IsValidLabelValue(v)) == 0 {
			vals = append(vals, v)
		}
	}
	sort.Strings(vals)
	vals = append(vals, freshValue)
	for i := range vals {
		out = append(out, &vals[i])
	}
	return out
}

// keys returns the mentioned keys that a Kubernetes object can carry as labels.
func (m mentions) keys(skip func(string) bool) []string {
	var out []string
	for k := range m {
		if skip != nil && skip(k) {
			continue
		}
		if len(validation.IsQualifiedName(k)) == 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// labellings enumerates every assignment of the given keys over their options,
// on top of base (which it never changes for keys in fixed).
func labellings(base map[string]string, keys []string, m mentions, fixed map[string]bool, visit func(map[string]string) bool) bool {
	free := make([]string, 0, len(keys))
	for _, k := range keys {
		if !fixed[k] {
			free = append(free, k)
		}
	}
	opts := make([][]*string, len(free))
	total := 1
	for i, k := range free {
		opts[i] = m.options(k)
		total *= len(opts[i])
		if total > maxCandidates {
			return false
		}
	}
	idx := make([]int, len(free))
	for {
		l := make(map[string]string, len(base)+len(free))
		for k, v := range base {
			l[k] = v
		}
		for i, k := range free {
			if o := opts[i][idx[i]]; o == nil {
				delete(l, k)
			} else {
				l[k] = *o
			}
		}
		if visit(l) {
			return true
		}
		i := 0
		for ; i < len(idx); i++ {
			idx[i]++
			if idx[i] < len(opts[i]) {
				break
			}
			idx[i] = 0
		}
		if i == len(idx) {
			return true
		}
	}
}

// futureNames are the names a tenant could give a new namespace that matter to
// a selector: the mentioned names that do not exist yet, and one unmentioned.
func (md *Model) futureNames(names map[string]bool) []string {
	exists := map[string]bool{}
	for _, ns := range md.Namespaces {
		exists[ns.Name] = true
	}
	out := []string{}
	for n := range names {
		if !exists[n] && len(validation.IsDNS1123Label(n)) == 0 {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return append(out, "zz-new-namespace")
}

// forEachNamespace visits every namespace the model can hold, as it could be
// labelled over the mentioned namespace-label keys.
func (md *Model) forEachNamespace(nsKeys []string, m mentions, names map[string]bool, visit func(c candidate) bool) bool {
	for _, ns := range md.Namespaces {
		fixed := map[string]bool{metadataNameLabel: true}
		for _, k := range ns.Fixed {
			fixed[k] = true
		}
		keys := nsKeys
		if !ns.Free {
			keys = nil
		}
		base := copyLabels(ns.Labels)
		base[metadataNameLabel] = ns.Name
		ok := labellings(base, keys, m, fixed, func(l map[string]string) bool {
			return visit(candidate{name: ns.Name, labels: l})
		})
		if !ok {
			return false
		}
	}
	for _, f := range md.futures(m) {
		for _, name := range md.futureNames(names) {
			fixed := map[string]bool{metadataNameLabel: true}
			base := copyLabels(f.Labels)
			for k := range f.Labels {
				fixed[k] = true
			}
			for _, k := range f.Absent {
				fixed[k] = true
			}
			base[metadataNameLabel] = name
			ok := labellings(base, nsKeys, m, fixed, func(l map[string]string) bool {
				return visit(candidate{name: name, future: f.Tenant, isFuture: true, labels: l})
			})
			if !ok {
				return false
			}
		}
	}
	return true
}

func copyLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	return out
}
