package nfsserver

import (
	"fmt"
	"io/fs"
	"testing"
	"time"
)

func listingOf(share string, n int) []fs.FileInfo {
	out := make([]fs.FileInfo, n)
	for i := range out {
		out[i] = &dirInfo{name: fmt.Sprintf("f%d", i), share: share, mtime: time.Unix(0, 0)}
	}
	return out
}

func TestVerifierStableAndDistinct(t *testing.T) {
	c := newVerifierCache()
	a := c.verifierFor("dir", listingOf("/share/a", 3))
	if again := c.verifierFor("dir", listingOf("/share/a", 3)); again != a {
		t.Error("an unchanged listing got a new verifier")
	}
	if b := c.verifierFor("dir", listingOf("/share/b", 3)); b == a {
		t.Error("the same listing in two shares got one verifier")
	}
	if d := c.verifierFor("dir", listingOf("/share/a", 4)); d == a {
		t.Error("a changed listing kept its verifier")
	}
	if got := c.dataForVerifier("dir", a); len(got) != 3 {
		t.Errorf("listing for verifier: %d entries, want 3", len(got))
	}
	if got := c.dataForVerifier("other", a); got != nil {
		t.Error("a verifier answered for another path")
	}
}

func TestVerifierCacheBudget(t *testing.T) {
	c := newVerifierCache()
	first := c.verifierFor("first", listingOf("/s", 10))
	for i := range 40 {
		c.verifierFor(fmt.Sprint("d", i), listingOf("/s", verifierEntryBudget/8))
	}
	if c.entries > verifierEntryBudget {
		t.Fatalf("%d entries cached, budget %d", c.entries, verifierEntryBudget)
	}
	if c.dataForVerifier("first", first) != nil {
		t.Error("the oldest listing was kept past the budget")
	}
	huge := c.verifierFor("huge", listingOf("/s", 2*verifierEntryBudget))
	if got := c.dataForVerifier("huge", huge); len(got) != 2*verifierEntryBudget {
		t.Errorf("the newest listing, over budget alone, was dropped: %d entries", len(got))
	}
	if c.byID.len() != 1 {
		t.Errorf("%d listings kept beside one over budget, want 1", c.byID.len())
	}
}
