// Package sshtest is an SSH server for tests of what runs commands in the
// guest: it logs in one client key and answers each exec request with a
// handler.
package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Handler answers command: it reads stdin from and writes stdout to ch and
// returns the exit status; hang true leaves the command unanswered.
type Handler func(command string, ch io.ReadWriter) (status uint32, hang bool)

// Server serves h on a local port until the test ends, and returns the
// address and the path of the private key it accepts.
func Server(t testing.TB, h Handler) (addr, keyPath string) {
	t.Helper()
	keyPath, client := clientKey(t)
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) != string(client.Marshal()) {
			return nil, errors.New("unknown key")
		}
		return nil, nil
	}}
	config.AddHostKey(hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go serve(conn, config, h)
		}
	}()
	return l.Addr().String(), keyPath
}

func serve(conn net.Conn, config *ssh.ServerConfig, h Handler) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		ch, requests, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			for req := range requests {
				if req.Type != "exec" || len(req.Payload) < 4 {
					req.Reply(false, nil)
					continue
				}
				req.Reply(true, nil)
				status, hang := h(string(req.Payload[4:]), ch)
				if hang {
					continue
				}
				payload := make([]byte, 4)
				binary.BigEndian.PutUint32(payload, status)
				ch.SendRequest("exit-status", false, payload)
				ch.Close()
			}
		}()
	}
}

// Flood writes n bytes of 'x' to w, 32 KiB at a time, until a write fails:
// a hostile guest's answer.
func Flood(w io.Writer, n int) {
	chunk := make([]byte, 32<<10)
	for i := range chunk {
		chunk[i] = 'x'
	}
	for sent := 0; sent < n; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// clientKey writes a new private key for the test and returns its path and
// public key.
func clientKey(t testing.TB) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return path, sshPub
}
