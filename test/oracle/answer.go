package main

// Peer is the oracle's answer for one peer of a policy.
type Peer struct {
	// Path in the object's own field names, as the engine writes them.
	Path string `json:"path"`
	// Deny is set for peers of deny rules (they only take access away).
	Deny bool `json:"deny,omitempty"`
	// Namespaces that exist and hold a pod the peer admits.
	Namespaces []string `json:"namespaces"`
	// Futures are namespaces a tenant could create later ("tenant/name").
	Futures []string `json:"futures"`
	// Reserved identities the peer admits (host, world, ...).
	Reserved []string `json:"reserved"`
	// Example is one identity the peer admits outside the policy's namespace, for counterexamples.
	Example []string `json:"example,omitempty"`
}

// Answer is the oracle's reply to one request.
type Answer struct {
	ID int `json:"id"`
	// Valid: the dataplane accepts the policy (for a CiliumNetworkPolicy,
	// Cilium's agent parses and sanitizes it; for a NetworkPolicy, the API
	// server's label selector validation passes).
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
	// ReadBy says which code computed the peers: "agent" (the policy is valid)
	// or "matching" (Cilium's key encoding, namespace pinning and matching,
	// without the agent's key validation, which rejected the policy).
	ReadBy string `json:"readBy,omitempty"`
	Peers  []Peer `json:"peers"`
	// Keys: every selector key, as Cilium's label parser reads it.
	Keys []Key `json:"keys,omitempty"`
	// Fatal is set when the oracle could not answer (too many labellings, bad request).
	Fatal string `json:"fatal,omitempty"`
}

// Key is a selector key as written and as Cilium reads it.
type Key struct {
	Text   string `json:"text"`
	Source string `json:"source"`
	Key    string `json:"key"`
}
