package dsl

// Pos is a place in the query text: byte offset, 1-based line and 1-based column (in runes).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Span is the text a node came from: [Start, End).
type Span struct {
	Start Pos
	End   Pos
}

// Node is any AST node.
type Node interface {
	NodeSpan() Span
}

// Query is a parsed hunt: a source (an event category or a sequence) and its pipeline stages.
type Query struct {
	Span     Span
	Lets     []*Let    // named lists declared before the source
	Source   *Source   // nil when Sequence is set
	Sequence *Sequence // nil when Source is set
	Stages   []Stage
}

func (q *Query) NodeSpan() Span { return q.Span }

// Source names the events a query starts from: a category such as logon, or events for all.
type Source struct {
	Span     Span
	Category string
}

func (s *Source) NodeSpan() Span { return s.Span }

// Sequence matches ordered steps sharing the same key values within a time span. The keys are
// the columns in By, then the step keys each step computes for itself (Step.By: the same number
// in every step, compared in order), which lets steps join on differently named fields.
type Sequence struct {
	Span   Span
	By     []*Ident // may be empty
	Within *Literal // a duration
	Steps  []*Step
}

func (s *Sequence) NodeSpan() Span { return s.Span }

// Step is one bracketed step of a sequence: events of a category matching a condition, at
// least Count times (nil means once).
type Step struct {
	Span   Span
	Source *Source
	Where  Expr     // nil when the step has no condition
	By     []*Key   // the step's own keys (by EXPR [as NAME], ...); the first step's names name them
	Count  *Literal // nil, or an int literal: the step must match at least this many times
}

func (s *Step) NodeSpan() Span { return s.Span }

// Ident is a name as written (field, alias or function name).
type Ident struct {
	Span Span
	Name string
}

func (i *Ident) NodeSpan() Span { return i.Span }

// Stage is one pipeline stage: *Where, *Stats, *Eval, *Fields, *Sort, *Head, *Dedup, *Rare or
// *FirstSeen.
type Stage interface {
	Node
	stage()
}

// Where keeps the rows for which Cond is true.
type Where struct {
	Span Span
	Cond Expr
}

// Stats aggregates rows, grouped by keys and optionally by time windows: tumbling (Window
// alone) or sliding (Window long, starting every Every).
type Stats struct {
	Span   Span
	Aggs   []*Agg
	By     []*Key
	Window *Literal // nil, or a duration
	Every  *Literal // nil for tumbling windows; the hop of sliding windows
}

// Agg is one aggregate call with its output name.
type Agg struct {
	Span Span
	Call *Call
	As   *Ident // nil when no alias was given
	Name string // output column name, set by the checker
}

// Key is one grouping key with its output name.
type Key struct {
	Span Span
	Expr Expr
	As   *Ident
	Name string // output column name, set by the checker
}

// Eval adds or replaces columns.
type Eval struct {
	Span    Span
	Assigns []*Assign
}

// Assign is name = expression.
type Assign struct {
	Span Span
	Name *Ident
	Expr Expr
}

// Fields keeps (or with Drop, removes) the named columns.
type Fields struct {
	Span  Span
	Drop  bool
	Names []*Ident
}

// Sort orders rows.
type Sort struct {
	Span Span
	Keys []*SortKey
}

// SortKey is a column and a direction.
type SortKey struct {
	Span Span
	Name *Ident
	Desc bool
}

// Head keeps the first N rows in the current order.
type Head struct {
	Span Span
	N    *Literal
}

// Dedup keeps the first row (in the current order) for each combination of the named columns.
type Dedup struct {
	Span  Span
	Names []*Ident
}

// Rare counts each combination of the named columns (per combination of the keys) and lists the
// least frequent first, with when each was first and last seen.
type Rare struct {
	Span  Span
	Names []*Ident
	By    []*Ident
}

// FirstSeen keeps the rows whose combination of the named columns appears for the first time
// for their key, when that key was seen before (so a key's very first row is not "new"). Rows
// with a null key or value take no part.
type FirstSeen struct {
	Span  Span
	Names []*Ident
	By    []*Ident
}

func (s *Rare) NodeSpan() Span      { return s.Span }
func (s *FirstSeen) NodeSpan() Span { return s.Span }
func (*Rare) stage()                {}
func (*FirstSeen) stage()           {}

func (s *Where) NodeSpan() Span  { return s.Span }
func (s *Stats) NodeSpan() Span  { return s.Span }
func (s *Eval) NodeSpan() Span   { return s.Span }
func (s *Fields) NodeSpan() Span { return s.Span }
func (s *Sort) NodeSpan() Span   { return s.Span }
func (s *Head) NodeSpan() Span   { return s.Span }
func (s *Dedup) NodeSpan() Span  { return s.Span }
func (a *Agg) NodeSpan() Span    { return a.Span }
func (k *Key) NodeSpan() Span    { return k.Span }
func (a *Assign) NodeSpan() Span { return a.Span }
func (k *SortKey) NodeSpan() Span {
	return k.Span
}
func (*Where) stage()  {}
func (*Stats) stage()  {}
func (*Eval) stage()   {}
func (*Fields) stage() {}
func (*Sort) stage()   {}
func (*Head) stage()   {}
func (*Dedup) stage()  {}

// Expr is an expression: *Literal, *FieldRef, *Call, *Unary, *Binary, *Not, *In, *InCIDR,
// *StrMatch, *Regex or *IsNull.
type Expr interface {
	Node
	expr()
}

// LitKind says what a literal is.
type LitKind int

const (
	LitString LitKind = iota
	LitInt
	LitFloat
	LitBool
	LitNull
	LitDuration
	LitIP
	LitCIDR
)

// Literal is a constant written in the query. Value holds string, int64, float64, bool, nil,
// time.Duration, netip.Addr or netip.Prefix by Kind. The checker may set Coerced, e.g. a string
// compared with a time column becomes a time.Time.
type Literal struct {
	Span    Span
	Kind    LitKind
	Text    string // as written
	Value   any
	Coerced any // nil unless the checker converted Value for its context
}

// FieldRef names a column, and for the JSON column optionally a path of keys into it
// (fields.EventData.TargetImage), read as text.
type FieldRef struct {
	Span Span
	Name string
	Path []string
}

// OutName is the column name a reference gets in stats output: the field, or the last key when
// that is a plain name. It is "" for a quoted key, which then needs an as: text written in
// quotes never becomes part of the SQL.
func (f *FieldRef) OutName() string {
	if len(f.Path) == 0 {
		return f.Name
	}
	if k := f.Path[len(f.Path)-1]; isIdent(k) && !IsKeyword(k) {
		return k
	}
	return ""
}

// Call is a function call.
type Call struct {
	Span Span
	Name *Ident
	Args []Expr
}

// Unary is -X.
type Unary struct {
	Span Span
	Op   string
	X    Expr
}

// Binary is L Op R for arithmetic (+ - * / %), comparison (== != < <= > >= =~ !~) and logic
// (and, or).
type Binary struct {
	Span  Span
	Op    string
	OpPos Span
	L, R  Expr
}

// Not negates a condition. A condition that is unknown because a value is missing counts as
// false, so `not C` is true exactly when C is not true.
type Not struct {
	Span Span
	X    Expr
}

// In is X [not] in (list), with Fold for the case-insensitive in~.
type In struct {
	Span Span
	X    Expr
	Not  bool
	Fold bool
	List []Expr
}

// InCIDR is X [not] in PREFIX.
type InCIDR struct {
	Span Span
	X    Expr
	Not  bool
	CIDR *Literal
}

// MatchMode says how a list of patterns combines.
type MatchMode int

const (
	MatchOne MatchMode = iota // a single value
	MatchAny                  // any of the list
	MatchAll                  // all of the list
)

// StrMatch is X contains/startswith/endswith/like one value, any of a list or all of a list.
// Without the _cs suffix the match ignores case. like takes glob patterns: * any text, ? one
// character, every other character (backslash too) itself.
type StrMatch struct {
	Span          Span
	X             Expr
	Op            string // contains, startswith, endswith or like
	CaseSensitive bool
	Mode          MatchMode
	Values        []Expr
}

// Regex is X matches PATTERN (RE2 syntax, unanchored).
type Regex struct {
	Span    Span
	X       Expr
	Pattern *Literal
}

// IsNull is X is [not] null.
type IsNull struct {
	Span Span
	X    Expr
	Not  bool
}

func (e *Literal) NodeSpan() Span  { return e.Span }
func (e *FieldRef) NodeSpan() Span { return e.Span }
func (e *Call) NodeSpan() Span     { return e.Span }
func (e *Unary) NodeSpan() Span    { return e.Span }
func (e *Binary) NodeSpan() Span   { return e.Span }
func (e *Not) NodeSpan() Span      { return e.Span }
func (e *In) NodeSpan() Span       { return e.Span }
func (e *InCIDR) NodeSpan() Span   { return e.Span }
func (e *StrMatch) NodeSpan() Span { return e.Span }
func (e *Regex) NodeSpan() Span    { return e.Span }
func (e *IsNull) NodeSpan() Span   { return e.Span }
func (*Literal) expr()             {}
func (*FieldRef) expr()            {}
func (*Call) expr()                {}
func (*Unary) expr()               {}
func (*Binary) expr()              {}
func (*Not) expr()                 {}
func (*In) expr()                  {}
func (*InCIDR) expr()              {}
func (*StrMatch) expr()            {}
func (*Regex) expr()               {}
func (*IsNull) expr()              {}
