module github.com/rasky/go-xdr

go 1.19
