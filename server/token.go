package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TokenEnv is the environment variable the operator token is read from when
// Options.AdminToken is empty.
const TokenEnv = "WATERFALL_ADMIN_TOKEN"

// TokenFile is the file, inside the data directory, that holds a generated
// operator token.
const TokenFile = "admin.token"

// adminToken returns the operator token and where it came from: the option,
// the environment, or <data>/admin.token, created (mode 0600, 32 random
// bytes in hex) on the first start and reused afterwards.
func adminToken(opt, dataDir string) (token, source string, err error) {
	if opt != "" {
		return opt, "--admin-token", nil
	}
	if env := os.Getenv(TokenEnv); env != "" {
		return env, "$" + TokenEnv, nil
	}
	path := filepath.Join(dataDir, TokenFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, path, nil
		}
		return "", "", fmt.Errorf("server: %s is empty: delete it to have a new token generated", path)
	case !errors.Is(err, fs.ErrNotExist):
		return "", "", fmt.Errorf("server: reading the operator token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", fmt.Errorf("server: writing the operator token: %w", err)
	}
	_, err = f.WriteString(token + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return "", "", fmt.Errorf("server: writing the operator token: %w", err)
	}
	return token, path, nil
}
