package dsl

import (
	"strconv"
	"strings"
)

// String prints the query in canonical form: one line, lower-case keywords, double-quoted
// strings and only the parentheses precedence needs. Parsing the result gives the same query.
func (q *Query) String() string {
	var b strings.Builder
	for _, lt := range q.Lets {
		b.WriteString(letString(lt))
		b.WriteString(" ")
	}
	if q.Sequence != nil {
		s := q.Sequence
		b.WriteString("sequence")
		if len(s.By) > 0 {
			b.WriteString(" by ")
			b.WriteString(joinIdents(s.By))
		}
		b.WriteString(" within ")
		b.WriteString(s.Within.Text)
		for i, st := range s.Steps {
			if i > 0 {
				b.WriteString(" then")
			}
			b.WriteString(" [")
			b.WriteString(st.Source.Category)
			if st.Where != nil {
				b.WriteString(" where ")
				b.WriteString(ExprString(st.Where))
			}
			b.WriteString("]")
			if len(st.By) > 0 {
				b.WriteString(" by ")
				b.WriteString(keysString(st.By))
			}
			if st.Count != nil {
				b.WriteString(" with count >= ")
				b.WriteString(st.Count.Text)
			}
		}
	} else {
		b.WriteString(q.Source.Category)
	}
	for _, st := range q.Stages {
		b.WriteString(" | ")
		b.WriteString(stageString(st))
	}
	return b.String()
}

// keysString prints grouping keys: EXPR [as NAME], ...
func keysString(ks []*Key) string {
	keys := make([]string, len(ks))
	for i, k := range ks {
		keys[i] = exprPrec(k.Expr, precAdd)
		if k.As != nil {
			keys[i] += " as " + k.As.Name
		}
	}
	return strings.Join(keys, ", ")
}

func joinIdents(ids []*Ident) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.Name
	}
	return strings.Join(names, ", ")
}

func stageString(st Stage) string {
	switch s := st.(type) {
	case *Where:
		return "where " + ExprString(s.Cond)
	case *Stats:
		parts := make([]string, len(s.Aggs))
		for i, a := range s.Aggs {
			parts[i] = ExprString(a.Call)
			if a.As != nil {
				parts[i] += " as " + a.As.Name
			}
		}
		out := "stats " + strings.Join(parts, ", ")
		if len(s.By) > 0 {
			out += " by " + keysString(s.By)
		}
		if s.Window != nil {
			out += " window " + s.Window.Text
		}
		if s.Every != nil {
			out += " every " + s.Every.Text
		}
		return out
	case *Eval:
		parts := make([]string, len(s.Assigns))
		for i, a := range s.Assigns {
			parts[i] = a.Name.Name + " = " + ExprString(a.Expr)
		}
		return "eval " + strings.Join(parts, ", ")
	case *Fields:
		if s.Drop {
			return "fields - " + joinIdents(s.Names)
		}
		return "fields " + joinIdents(s.Names)
	case *Sort:
		parts := make([]string, len(s.Keys))
		for i, k := range s.Keys {
			parts[i] = k.Name.Name
			if k.Desc {
				parts[i] += " desc"
			}
		}
		return "sort " + strings.Join(parts, ", ")
	case *Head:
		return "head " + s.N.Text
	case *Dedup:
		return "dedup " + joinIdents(s.Names)
	case *Rare:
		out := "rare " + joinIdents(s.Names)
		if len(s.By) > 0 {
			out += " by " + joinIdents(s.By)
		}
		return out
	case *Outlier, *Beacon, *Lookup:
		return analyticString(s)
	case *FirstSeen:
		out := "first_seen " + joinIdents(s.Names)
		if len(s.By) > 0 {
			out += " by " + joinIdents(s.By)
		}
		return out
	}
	return ""
}

// Precedence levels, loosest first, matching the grammar.
const (
	precOr = iota + 1
	precAnd
	precNot
	precPred
	precAdd
	precMul
	precUnary
	precPrimary
)

func precOf(e Expr) int {
	switch x := e.(type) {
	case *Binary:
		switch x.Op {
		case "or":
			return precOr
		case "and":
			return precAnd
		case "+", "-":
			return precAdd
		case "*", "/", "%":
			return precMul
		}
		return precPred
	case *Not:
		return precNot
	case *In, *InCIDR, *StrMatch, *Regex, *IsNull:
		return precPred
	case *Unary:
		return precUnary
	case *Literal:
		if v, ok := x.Value.(int64); ok && v < 0 {
			return precUnary
		}
		if v, ok := x.Value.(float64); ok && v < 0 {
			return precUnary
		}
	}
	return precPrimary
}

// ExprString prints an expression in canonical form.
func ExprString(e Expr) string { return exprPrec(e, 0) }

// exprPrec prints e, in parentheses when it binds looser than min.
func exprPrec(e Expr, min int) string {
	s := exprRaw(e)
	if precOf(e) < min {
		return "(" + s + ")"
	}
	return s
}

func exprList(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = exprPrec(e, precAdd)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func exprRaw(e Expr) string {
	switch x := e.(type) {
	case *Literal:
		return literalString(x)
	case *FieldRef:
		out := x.Name
		for _, k := range x.Path {
			if isIdent(k) && !IsKeyword(k) {
				out += "." + k
			} else {
				out += "[" + Quote(k) + "]"
			}
		}
		return out
	case *Call:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = ExprString(a)
		}
		return strings.ToLower(x.Name.Name) + "(" + strings.Join(args, ", ") + ")"
	case *Unary:
		return "-" + exprPrec(x.X, precUnary)
	case *Binary:
		p := precOf(x)
		if p == precPred {
			return exprPrec(x.L, precAdd) + " " + x.Op + " " + exprPrec(x.R, precAdd)
		}
		return exprPrec(x.L, p) + " " + x.Op + " " + exprPrec(x.R, p+1)
	case *Not:
		return "not " + exprPrec(x.X, precNot)
	case *In:
		op := " in"
		if x.Not {
			op = " not in"
		}
		if x.Fold {
			op += "~"
		}
		return exprPrec(x.X, precAdd) + op + " " + exprList(x.List)
	case *InCIDR:
		op := " in "
		if x.Not {
			op = " not in "
		}
		return exprPrec(x.X, precAdd) + op + literalString(x.CIDR)
	case *StrMatch:
		op := x.Op
		if x.CaseSensitive {
			op += "_cs"
		}
		switch x.Mode {
		case MatchAny:
			op += " any " + exprList(x.Values)
		case MatchAll:
			op += " all " + exprList(x.Values)
		default:
			op += " " + exprPrec(x.Values[0], precAdd)
		}
		return exprPrec(x.X, precAdd) + " " + op
	case *Expansion:
		return exprRaw(x.Call)
	case *Regex:
		return exprPrec(x.X, precAdd) + " matches " + literalString(x.Pattern)
	case *IsNull:
		if x.Not {
			return exprPrec(x.X, precAdd) + " is not null"
		}
		return exprPrec(x.X, precAdd) + " is null"
	}
	return ""
}

// IsKeyword reports whether s is a reserved word of the language (any case), which can never
// name a field or be written as a dotted key.
func IsKeyword(s string) bool {
	for _, k := range keywords {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

func literalString(l *Literal) string {
	switch v := l.Value.(type) {
	case string:
		return Quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return l.Text // durations, addresses and networks print as written
}
