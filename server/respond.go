package server

import (
	"encoding/json"
	"net/http"

	"github.com/waterfallrisk/waterfall/server/backpack"
)

// writeError sends Backpack's {"code","message"} with the error's status.
func writeError(w http.ResponseWriter, e *backpack.Error) {
	b, _ := json.Marshal(e) // two strings: cannot fail
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(b, '\n'))
}
