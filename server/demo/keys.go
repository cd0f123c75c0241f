package demo

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/waterfallrisk/waterfall/engine"
)

// Files the demo keeps in the data directory.
const (
	// KeyFile holds the secret every demo account's key derives from (hex,
	// mode 0600). Keep it to keep the accounts across restarts.
	KeyFile = "demo.key"
	// AccountsFile lists the demo accounts with their API keys and secrets
	// (JSON, mode 0600), rewritten at every start.
	AccountsFile = "demo-accounts.json"
)

// loadSecret reads dir/KeyFile, creating it with 32 random bytes on the
// first start. With dir "" the secret is random and kept nowhere: a restart
// then creates a fresh set of accounts.
func loadSecret(dir string) ([]byte, error) {
	secret := make([]byte, 32)
	if dir == "" {
		_, _ = rand.Read(secret)
		return secret, nil
	}
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		s, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(s) < 16 {
			return nil, fmt.Errorf("demo: %s is not a hex secret of at least 16 bytes; delete it to start a fresh set of demo accounts", path)
		}
		return s, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("demo: %w", err)
	}
	_, _ = rand.Read(secret)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	_, err = fmt.Fprintln(f, hex.EncodeToString(secret))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("demo: writing %s: %w", path, err)
	}
	return secret, nil
}

// accountKey derives a demo account's ED25519 key from the secret and the
// account's name.
func accountKey(secret []byte, name string) ed25519.PrivateKey {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("waterfall demo account " + name))
	return ed25519.NewKeyFromSeed(mac.Sum(nil))
}

// accountEntry is one line of AccountsFile, in the shape of
// POST /admin/v1/accounts' answer plus the name.
type accountEntry struct {
	Name      string           `json:"name"`
	Role      string           `json:"role"`
	AccountID engine.AccountID `json:"accountId"`
	APIKey    string           `json:"apiKey"`
	APISecret string           `json:"apiSecret"`
}

// writeAccounts writes dir/AccountsFile (nothing with dir "").
func writeAccounts(dir string, secret []byte, ms []member) error {
	if dir == "" {
		return nil
	}
	out := make([]accountEntry, 0, len(ms))
	for i := range ms {
		k := accountKey(secret, ms[i].name)
		out = append(out, accountEntry{
			Name: ms[i].name, Role: ms[i].role.String(), AccountID: ms[i].id,
			APIKey:    base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)),
			APISecret: base64.StdEncoding.EncodeToString(k.Seed()),
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, AccountsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// pubKey returns a member's API public key.
func (d *Demo) pubKey(secret []byte, i int) ed25519.PublicKey {
	return accountKey(secret, d.members[i].name).Public().(ed25519.PublicKey)
}
