package dsl

import (
	"slices"
	"strings"
	"sync"
)

// TokenKind classifies a token of a query for syntax highlighting.
type TokenKind int

const (
	TokenInvalid    TokenKind = iota // text the lexer cannot read (to the end of the input)
	TokenWhitespace                  // spaces, tabs and newlines
	TokenComment                     // # or // to the end of the line
	TokenNumber                      // integers, floats, durations, addresses and networks
	TokenString                      // "double" or 'raw' strings
	TokenKeyword                     // reserved words (and, by, in, ...) and stage names after |
	TokenIdent                       // field, category, function and variable names
	TokenOp                          // operators and punctuation
)

var tokenKindNames = []string{"invalid", "whitespace", "comment", "number", "string", "keyword", "ident", "op"}

func (k TokenKind) String() string {
	if k >= 0 && int(k) < len(tokenKindNames) {
		return tokenKindNames[k]
	}
	return "TokenKind(?)"
}

// lexerKinds maps the lexer's rule names (grammar.go) to token kinds.
var lexerKinds = map[string]TokenKind{
	"Whitespace": TokenWhitespace, "Comment": TokenComment,
	"CIDR": TokenNumber, "IP": TokenNumber, "Duration": TokenNumber, "Float": TokenNumber, "Int": TokenNumber,
	"String": TokenString, "RawString": TokenString,
	"Keyword": TokenKeyword, "Ident": TokenIdent, "Op": TokenOp,
}

// tokenKinds maps the query lexer's token types to token kinds, built on the first Tokens call
// rather than on every call (the workbench lexes the query on each keystroke).
var tokenKinds = sync.OnceValue(func() map[int]TokenKind {
	byType := map[int]TokenKind{}
	for name, t := range huntLexer.Symbols() {
		if k, ok := lexerKinds[name]; ok {
			byType[int(t)] = k
		}
	}
	return byType
})

// Token is one lexed piece of a query: src[Start:End].
type Token struct {
	Kind       TokenKind
	Start, End int // byte offsets
}

// Tokens lexes src with the query lexer Parse uses, so the spans are exactly the parser's. Every
// byte of src is covered by one token, in order; from the first character the lexer cannot read,
// the rest of the input is one TokenInvalid. Stage names right after a | are TokenKeyword.
func Tokens(src string) []Token {
	var out []Token
	lx, err := huntLexer.LexString("", src)
	if err != nil {
		return []Token{{Kind: TokenInvalid, Start: 0, End: len(src)}}
	}
	byType := tokenKinds()
	pos, afterPipe := 0, false
	for pos < len(src) {
		t, err := lx.Next()
		if err != nil {
			break
		}
		if t.EOF() {
			break
		}
		start := t.Pos.Offset
		if start < pos || start > len(src) {
			break
		}
		end := start + len(t.Value)
		k, ok := byType[int(t.Type)]
		if !ok {
			k = TokenInvalid
		}
		if k == TokenIdent && afterPipe && slices.Contains(stageNames, strings.ToLower(t.Value)) {
			k = TokenKeyword
		}
		switch k {
		case TokenWhitespace, TokenComment:
		default:
			afterPipe = k == TokenOp && t.Value == "|"
		}
		out = append(out, Token{Kind: k, Start: start, End: end})
		pos = end
	}
	if pos < len(src) {
		out = append(out, Token{Kind: TokenInvalid, Start: pos, End: len(src)})
	}
	return out
}
