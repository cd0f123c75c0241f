package history

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/waterfallrisk/waterfall/server/backpack"
)

// writeJSON sends v as a 200 JSON body.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, backpack.Errorf(http.StatusInternalServerError, backpack.CodeServerError, "encoding the response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// writeError sends Backpack's {"code","message"} with the error's status.
func writeError(w http.ResponseWriter, e *backpack.Error) {
	b, _ := json.Marshal(e) // two strings: cannot fail
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
