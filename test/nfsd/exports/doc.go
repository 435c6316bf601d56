// Package exports reads /etc/exports in the dialect of macOS's mountd, for
// the nfsd stand-in (test/nfsd) and for tests that must know how a Mac reads
// a line the driver writes.
//
//	directory... [option...] [host... | -network NET [-mask MASK]]
//
// Reading (lex.go) follows mountd's own reader, not exports(5)'s prose:
//
//   - A physical line loses every trailing blank (space, tab) and `\`;
//     when a `\` was among them the next line is appended, without a
//     separator. A file that ends while a line is continued loses that
//     entry. Blank lines are skipped. A carriage return is an ordinary
//     character, and an entry ends at a NUL byte.
//   - Fields are separated by spaces and tabs. A field that starts with `"`
//     or `'` runs to the same quote not preceded by `\` (or to the end of
//     the entry) and ends right after it; inside it `\` makes the next
//     character part of the field. Elsewhere `\` escapes the next
//     character, so `\ ` is a blank inside a field; a quote in the middle
//     of a field is an ordinary character.
//   - An entry whose first field starts with `#` is a comment.
//   - A field starting with `/`, or with a quote and then `/`, is a
//     directory: its opening quote, its closing quote and every `\` that
//     escapes are removed, then trailing slashes (this package also folds
//     repeated slashes). Other fields (hosts, option values) are taken as
//     written, quotes and backslashes included.
//
// Entries (parse.go): directories first (absolute), then options and hosts.
// Options: -alldirs, -ro (-o), -mapall=CRED, -maproot=CRED (-root, -r),
// -network=NET (-n), -mask=MASK (-m), -sec=FLAVOR[:FLAVOR...],
// -32bitclients, -offline, -fspath=PATH, -fsuuid=UUID; a value follows `=`
// or is the next field; several options may share a field, separated by
// commas (-ro,alldirs). CRED is USER (its uid and primary gid) or
// UID:GID[:GID...], each a number or a name. Hosts are addresses or names;
// none means every host (a default export).
//
// Checking (check.go) rejects an entry, with a message naming its line,
// where macOS's mountd would, and in a few cases where macOS only warns
// (see test/nfsd/README.md): unknown options, unknown groups, and a host (or
// the default export) given twice for one directory are errors here.
package exports
