package dsl

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar structs below are private: Parse lowers them into the AST in ast.go, which is what
// the rest of trawl sees. Pos/EndPos are filled by participle and become each node's Span.

// stageNames follow a '|'. They are not reserved, so a column may share a name with a stage
// (the events table has a column called fields).
var stageNames = []string{"where", "stats", "eval", "fields", "sort", "head", "dedup", "rare", "first_seen", "outlier", "beacon", "lookup"}

// keywords are reserved: they can never name a field. Matching is case-insensitive.
var keywords = []string{
	"by", "window", "sequence", "within", "then", "with", "as", "asc", "desc", "and", "or", "not", "in", "is", "null", "true",
	"false", "contains", "startswith", "endswith", "contains_cs", "startswith_cs", "endswith_cs", "like", "like_cs",
	"matches", "any", "all",
}

func keywordPattern() string {
	p := `(?i)\b(?:`
	for i, k := range keywords {
		if i > 0 {
			p += "|"
		}
		p += k
	}
	return p + `)\b`
}

var huntLexer = lexer.MustSimple(lexerRules(nil, ""))

// lexerRules are the tokens of queries; rule files (rule.go) add tokens in extra, just before
// Keyword, and operator characters in extraOps.
func lexerRules(extra []lexer.SimpleRule, extraOps string) []lexer.SimpleRule {
	rules := []lexer.SimpleRule{
		{Name: "Comment", Pattern: `(?:#|//)[^\n]*`},
		{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
		{Name: "CIDR", Pattern: `\d{1,3}(?:\.\d{1,3}){3}/\d{1,3}\b`},
		{Name: "IP", Pattern: `\d{1,3}(?:\.\d{1,3}){3}\b`},
		{Name: "Duration", Pattern: `\d+(?:ms|s|m|h|d|w)\b`},
		{Name: "Float", Pattern: `\d+\.\d+\b`},
		{Name: "Int", Pattern: `\d+\b`},
		{Name: "String", Pattern: `"(?:\\.|[^"\\\n])*"`},
		{Name: "RawString", Pattern: `'[^'\n]*'`},
	}
	rules = append(rules, extra...)
	return append(rules,
		lexer.SimpleRule{Name: "Keyword", Pattern: keywordPattern()},
		lexer.SimpleRule{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		lexer.SimpleRule{Name: "Op", Pattern: `==|!=|<=|>=|=~|!~|[-+*/%<>=(),|\[\]~.` + extraOps + `]`},
	)
}

type gQuery struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Lets     []*gLet    `parser:"@@*"`
	Sequence *gSequence `parser:"(  @@"`
	Source   *gIdent    `parser:" | @@ )"`
	Stages   []*gStage  `parser:"( '|' @@ )*"`
}

type gIdent struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   string `parser:"@Ident"`
}

type gSequence struct {
	Pos    lexer.Position
	EndPos lexer.Position

	By     []*gIdent  `parser:"'sequence' ( 'by' @@ ( ',' @@ )* )?"`
	Within *gDuration `parser:"'within' @@"`
	Steps  []*gStep   `parser:"@@ ( 'then' @@ )+"`
}

type gStep struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Source *gIdent `parser:"'[' @@"`
	Where  *gOr    `parser:"( 'where' @@ )? ']'"`
	By     []*gKey `parser:"( 'by' @@ ( ',' @@ )* )?"`
	Count  *gInt   `parser:"( 'with' 'count' '>=' @@ )?"`
}

type gDuration struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@Duration"`
}

type gInt struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@Int"`
}

type gStage struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Where     *gOr      `parser:"(  'where' @@"`
	Stats     *gStats   `parser:"  | 'stats' @@"`
	Eval      *gEval    `parser:"  | 'eval' @@"`
	Fields    *gFields  `parser:"  | 'fields' @@"`
	Sort      *gSort    `parser:"  | 'sort' @@"`
	Head      *gInt     `parser:"  | 'head' @@"`
	Dedup     *gFields  `parser:"  | 'dedup' @@"`
	Rare      *gByStage `parser:"  | 'rare' @@"`
	FirstSeen *gByStage `parser:"  | 'first_seen' @@"`
	Outlier   *gOutlier `parser:"  | 'outlier' @@"`
	Beacon    *gBeacon  `parser:"  | 'beacon' @@"`
	Lookup    *gLookup  `parser:"  | 'lookup' @@ )"`
}

// gLet declares a named list before the query: let admins = ["alice", "bob"].
type gLet struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name   *gIdent     `parser:"'let' @@ '='"`
	Values []*gLiteral `parser:"'[' ( @@ ( ',' @@ )* )? ']'"`
}

// gOutlier is METRIC [by KEY, ...] [over DURATION] [method NAME] [threshold NUMBER].
type gOutlier struct {
	Metric    *gIdent    `parser:"@@"`
	By        []*gIdent  `parser:"( 'by' @@ ( ',' @@ )* )?"`
	Over      *gDuration `parser:"( 'over' @@ )?"`
	Method    *gIdent    `parser:"( 'method' @@ )?"`
	Threshold *gNumber   `parser:"( 'threshold' @@ )?"`
}

// gBeacon is [by KEY, ...] [min N] [max_jitter NUMBER].
type gBeacon struct {
	By        []*gIdent `parser:"( 'by' @@ ( ',' @@ )* )?"`
	Min       *gInt     `parser:"( 'min' @@ )?"`
	MaxJitter *gNumber  `parser:"( 'max_jitter' @@ )?"`
}

// gLookup is LIST on FIELD [as NAME], LIST a name or a quoted file path.
type gLookup struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Path *gLiteral `parser:"(  @@"`
	Name *gIdent   `parser:" | @@ )"`
	On   *gIdent   `parser:"'on' @@"`
	As   *gIdent   `parser:"( 'as' @@ )?"`
}

// gNumber is a whole or decimal number.
type gNumber struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Text   string `parser:"@( Float | Int )"`
}

// gByStage is FIELD, ... [by KEY, ...], for rare and first_seen.
type gByStage struct {
	Names []*gIdent `parser:"@@ ( ',' @@ )*"`
	By    []*gIdent `parser:"( 'by' @@ ( ',' @@ )* )?"`
}

type gStats struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Aggs   []*gAgg    `parser:"@@ ( ',' @@ )*"`
	By     []*gKey    `parser:"( 'by' @@ ( ',' @@ )* )?"`
	Window *gDuration `parser:"( 'window' @@"`
	Every  *gDuration `parser:"  ( 'every' @@ )? )?"`
}

type gAgg struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Call *gCall  `parser:"@@"`
	As   *gIdent `parser:"( 'as' @@ )?"`
}

type gKey struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Expr *gAdd   `parser:"@@"`
	As   *gIdent `parser:"( 'as' @@ )?"`
}

type gEval struct {
	Assigns []*gAssign `parser:"@@ ( ',' @@ )*"`
}

type gAssign struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name *gIdent `parser:"@@ '='"`
	Expr *gOr    `parser:"@@"`
}

type gFields struct {
	Drop  bool      `parser:"@'-'?"`
	Names []*gIdent `parser:"@@ ( ',' @@ )*"`
}

type gSort struct {
	Keys []*gSortKey `parser:"@@ ( ',' @@ )*"`
}

type gSortKey struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name *gIdent `parser:"@@"`
	Dir  string  `parser:"@( 'asc' | 'desc' )?"`
}

// Expressions, loosest binding first: or, and, not, predicate, + -, * / %, unary minus, primary.

type gOr struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Left  *gAnd   `parser:"@@"`
	Right []*gAnd `parser:"( 'or' @@ )*"`
}

type gAnd struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Left  *gNot   `parser:"@@"`
	Right []*gNot `parser:"( 'and' @@ )*"`
}

type gNot struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Not  *gNot  `parser:"(  'not' @@"`
	Pred *gPred `parser:" | @@ )"`
}

type gPred struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Left *gAdd     `parser:"@@"`
	Tail *gPredOps `parser:"@@?"`
}

type gPredOps struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Cmp     string    `parser:"(  @( '==' | '!=' | '<=' | '>=' | '<' | '>' | '=~' | '!~' )"`
	Right   *gAdd     `parser:"   @@"`
	Is      *gIsNull  `parser:" | 'is' @@"`
	NotIn   bool      `parser:" | ( @'not'?"`
	In      *gIn      `parser:"    'in' @@ )"`
	Str     string    `parser:" | ( @( 'contains' | 'startswith' | 'endswith' | 'like' | 'contains_cs' | 'startswith_cs' | 'endswith_cs' | 'like_cs' )"`
	StrArgs *gStrArgs `parser:"     @@ )"`
	Regex   *gRegex   `parser:" | 'matches' @@ )"`
}

type gIsNull struct {
	Not bool `parser:"@'not'? 'null'"`
}

type gIn struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Fold bool      `parser:"@'~'?"`
	CIDR *gLiteral `parser:"(  @@"`
	List []*gAdd   `parser:" | '(' @@ ( ',' @@ )* ')' )"`
}

type gStrArgs struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Mode string  `parser:"(  @( 'any' | 'all' )? '(' "`
	List []*gAdd `parser:"    @@ ( ',' @@ )* ')'"`
	One  *gAdd   `parser:" | @@ )"`
}

type gRegex struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Lit    *gLiteral `parser:"@@"`
}

type gAdd struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Left  *gMul     `parser:"@@"`
	Right []*gAddOp `parser:"@@*"`
}

// gAddOp is one "+ term" or "- term" after the first term of a sum.
type gAddOp struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Op     string `parser:"@( '+' | '-' )"`
	Right  *gMul  `parser:"@@"`
}

type gMul struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Left  *gUnary   `parser:"@@"`
	Right []*gMulOp `parser:"@@*"`
}

// gMulOp is one "* factor", "/ factor" or "% factor" after the first factor of a product.
type gMulOp struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Op     string  `parser:"@( '*' | '/' | '%' )"`
	Right  *gUnary `parser:"@@"`
}

type gUnary struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Neg     *gUnary   `parser:"(  '-' @@"`
	Primary *gPrimary `parser:" | @@ )"`
}

type gPrimary struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Lit   *gLiteral `parser:"(  @@"`
	Call  *gCall    `parser:" | @@"`
	Field *gField   `parser:" | @@"`
	Paren *gOr      `parser:" | '(' @@ ')' )"`
}

// gField is a column, with a path into it for the JSON column: fields.EventData.TargetImage or
// fields["id.orig_h"].
type gField struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name string      `parser:"@Ident"`
	Path []*gPathKey `parser:"@@*"`
}

type gPathKey struct {
	Ident  *string `parser:"(  '.' @Ident"`
	String *string `parser:" | '[' @String ']' )"`
}

type gCall struct {
	Pos    lexer.Position
	EndPos lexer.Position

	Name *gIdent `parser:"@@ '('"`
	Args []*gOr  `parser:"( @@ ( ',' @@ )* )? ')'"`
}

type gLiteral struct {
	Pos    lexer.Position
	EndPos lexer.Position

	CIDR      *string `parser:"(  @CIDR"`
	IP        *string `parser:" | @IP"`
	Duration  *string `parser:" | @Duration"`
	Float     *string `parser:" | @Float"`
	Int       *string `parser:" | @Int"`
	String    *string `parser:" | @String"`
	RawString *string `parser:" | @RawString"`
	True      bool    `parser:" | @'true'"`
	False     bool    `parser:" | @'false'"`
	Null      bool    `parser:" | @'null' )"`
}

var parser = participle.MustBuild[gQuery](
	participle.Lexer(huntLexer),
	participle.Elide("Comment", "Whitespace"),
	participle.CaseInsensitive("Keyword", "Ident"),
	participle.UseLookahead(3),
)
