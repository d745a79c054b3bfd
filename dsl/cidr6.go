package dsl

import (
	"math/big"
	"net/netip"
)

// cidr6 tests whether the address text x lies in an IPv6 network (or an IPv4 network written
// the IPv4-mapped way, ::ffff:10.0.0.0/104). IPv6 text has many spellings of one address, so
// the test is numeric: the store's trawl_ip_num macro (engine migration 003) puts every address
// on one 128-bit line, IPv4 a.b.c.d at ::ffff:a.b.c.d, and the network is a range on it whose
// bounds are bound parameters (decimal text cast to UHUGEINT).
func (c *compiler) cidr6(x string, p netip.Prefix) string {
	a := p.Addr().As16()
	lo := new(big.Int).SetBytes(a[:])
	span := new(big.Int).Lsh(big.NewInt(1), uint(128-p.Bits()))
	hi := new(big.Int).Add(lo, span.Sub(span, big.NewInt(1)))
	return "(trawl_ip_num(" + x + ") BETWEEN CAST(" + c.param(lo.String()) + " AS UHUGEINT) AND CAST(" + c.param(hi.String()) + " AS UHUGEINT))"
}
