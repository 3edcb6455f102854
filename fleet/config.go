package fleet

import (
	"encoding/json"
	"log/slog"
)

// Config configures a Member. The zero Config is valid: every zero field
// takes the default its comment gives.
type Config[V any] struct {
	Bucket        string       // JetStream KV bucket; "": "routecache"
	Codec         Codec[V]     // how routes travel in the bucket; nil: JSON
	Replicas      int          // replicas if Join creates the bucket; 0: 1
	ShareResolved bool         // also publish routes that Member.Resolve stores; default only Set and Delete
	Logger        *slog.Logger // nil: slog.Default()
}

// DefaultBucket is the bucket a zero Config joins.
const DefaultBucket = "routecache"

// Codec turns a route into the bytes stored in the bucket and back. Every
// member of a fleet must use the same codec. Unmarshal must not keep the
// slice it is given past the call.
type Codec[V any] interface {
	Marshal(V) ([]byte, error)
	Unmarshal([]byte) (V, error)
}

// JSON is the default Codec: encoding/json. Its zero value is ready to use.
// Cost: one reflection-driven encode or decode per route.
type JSON[V any] struct{}

// Marshal encodes route as JSON.
func (JSON[V]) Marshal(route V) ([]byte, error) { return json.Marshal(route) }

// Unmarshal decodes a JSON route.
func (JSON[V]) Unmarshal(data []byte) (V, error) {
	var route V
	err := json.Unmarshal(data, &route)
	return route, err
}

// withDefaults returns cfg with every zero field replaced by its default.
func (cfg Config[V]) withDefaults() Config[V] {
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.Codec == nil {
		cfg.Codec = JSON[V]{}
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}
