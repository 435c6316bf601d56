// Package iana contains constants defined by IANA.
package iana
