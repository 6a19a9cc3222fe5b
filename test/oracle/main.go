// Command oracle answers, for network policies, which namespaces and reserved
// identities of a model cluster each peer admits, using the dataplane's own
// code: Cilium's types, parsing, namespace pinning and selector matching for
// a CiliumNetworkPolicy, and apimachinery's label selectors for a
// NetworkPolicy. It reads JSON lines on stdin and writes one JSON line per
// request on stdout:
//
//	{"model": {...}}                                          → {"ok": true}
//	{"id": 1, "kind": "CiliumNetworkPolicy", "namespace": "acme-web", "object": {...}} → Answer
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/cilium/cilium/pkg/logging"
)

type request struct {
	Model     *Model          `json:"model"`
	ID        int             `json:"id"`
	Kind      string          `json:"kind"`
	Namespace string          `json:"namespace"`
	Object    json.RawMessage `json:"object"`
}

func main() {
	// Cilium's label parser logs (as errors) every cidr: key it reads; the
	// oracle answers about such keys, it does not need the log.
	logging.DefaultSlogLogger = quiet
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	var model *Model
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			_ = enc.Encode(Answer{ID: -1, Fatal: "bad request: " + err.Error()})
		} else if req.Model != nil {
			model = req.Model
			_ = enc.Encode(map[string]bool{"ok": true})
		} else if model == nil {
			_ = enc.Encode(Answer{ID: req.ID, Fatal: "no model yet"})
		} else {
			var ans Answer
			switch req.Kind {
			case "CiliumNetworkPolicy":
				ans = reviewCilium(model, req.Namespace, req.Object)
			case "NetworkPolicy":
				ans = reviewNetworkPolicy(model, req.Namespace, req.Object)
			default:
				ans = Answer{Fatal: fmt.Sprintf("unknown kind %q", req.Kind)}
			}
			ans.ID = req.ID
			_ = enc.Encode(ans)
		}
		// Flush per line: the caller may wait for each answer.
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}
