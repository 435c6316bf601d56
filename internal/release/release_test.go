package release

import (
	"strings"
	"testing"
)

// The embedded facts parse: a typo there would leave every default create
// without an ISO.
func TestEmbeddedISO(t *testing.T) {
	a, err := ISO()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(a.URL, "/boot2docker.iso") || a.Size < 10<<20 {
		t.Fatalf("unlikely release ISO: %+v", a)
	}
}

func TestParse(t *testing.T) {
	const sum = "44655de2e6ad33f30d071cad7b890bda65fbaa32a01666ef4f4c89e9c6294198"
	good := "# c\nurl https://example.com/r/boot2docker.iso\n\nsize 42\nsha256 " + sum + "\n"
	a, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if a != (Asset{URL: "https://example.com/r/boot2docker.iso", Size: 42, SHA256: sum}) {
		t.Fatalf("got %+v", a)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"http":        {strings.Replace(good, "https:", "http:", 1), "not an https URL"},
		"no host":     {strings.Replace(good, "https://example.com", "https://", 1), "not an https URL"},
		"zero size":   {strings.Replace(good, "size 42", "size 0", 1), "positive number"},
		"bad size":    {strings.Replace(good, "size 42", "size 4x", 1), "positive number"},
		"short sum":   {strings.Replace(good, sum, sum[:63], 1), "64 lowercase hex"},
		"upper sum":   {strings.Replace(good, sum, strings.ToUpper(sum), 1), "64 lowercase hex"},
		"twice":       {good + "size 43\n", "size given twice"},
		"unknown":     {good + "md5 x\n", `unknown key "md5"`},
		"no value":    {good + "url\n", "want \"KEY VALUE\""},
		"missing sum": {strings.Replace(good, "sha256 "+sum, "", 1), "no sha256 line"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("url https://h/x.iso\nsize 1\nsha256 " + strings.Repeat("ab", 32) + "\n")
	f.Fuzz(func(t *testing.T, text string) {
		a, err := Parse(strings.NewReader(text))
		if err == nil && (a.Size <= 0 || len(a.SHA256) != 64 || !strings.HasPrefix(a.URL, "https://")) {
			t.Fatalf("accepted %+v", a)
		}
	})
}
