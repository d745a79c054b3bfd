package dsl

import (
	"sort"
	"strings"
)

// Argument classes beside concrete types, used only in the function registry.
const (
	argAny     Type = 100 + iota // anything
	argNumber                    // int or float
	argOrdered                   // anything that sorts: string, int, float, time, ip
)

// funcDef describes one function: its arguments, result and SQL.
type funcDef struct {
	Name     string
	Args     []Type // expected argument types or classes
	Optional int    // how many trailing Args may be left out
	Agg      bool   // an aggregate: only in stats
	NeedTime bool   // reads the time column of its input (first, last)
	Doc      string
	Example  string
	// Ret gives the result type from the argument types.
	Ret func(args []Type) Type
	// SQL renders the call from its rendered arguments.
	SQL func(args []string, types []Type) string
	// Check, when set, refuses argument types that fit Args one by one but not together (a
	// message, or "" when they are fine).
	Check func(args []Type) string
	// Const, when above 0, is the 1-based position of an argument that must be a whole number
	// written in the query, from ConstMin to ConstMax: DuckDB needs it as a constant, so the
	// checked number is written into the SQL instead of being bound.
	Const              int
	ConstMin, ConstMax int64
}

func ret(t Type) func([]Type) Type { return func([]Type) Type { return t } }
func sameAsFirst(args []Type) Type {
	if len(args) == 0 {
		return TypeUnknown
	}
	return args[0]
}
func sqlFn(name string) func([]string, []Type) string {
	return func(a []string, _ []Type) string { return name + "(" + strings.Join(a, ", ") + ")" }
}

// base64Pattern is what is_base64 accepts: the base64 alphabet with up to two '=' of padding.
const base64Pattern = `[A-Za-z0-9+/]+={0,2}`

// funcs is the registry of scalar functions and aggregates, by lower-case name.
var funcs = map[string]*funcDef{}

func init() {
	for _, f := range []*funcDef{
		{Name: "lower", Args: []Type{TypeString}, Ret: ret(TypeString), SQL: sqlFn("lower"), Doc: "lower-case text", Example: `lower(user) == "admin"`},
		{Name: "upper", Args: []Type{TypeString}, Ret: ret(TypeString), SQL: sqlFn("upper"), Doc: "upper-case text", Example: `upper(http_method) == "POST"`},
		{Name: "len", Args: []Type{TypeString}, Ret: ret(TypeInt), SQL: sqlFn("length"), Doc: "length of text in characters", Example: `len(domain) > 50`},
		{Name: "entropy", Args: []Type{TypeString}, Ret: ret(TypeFloat), Doc: "Shannon entropy of the characters of text, in bits per character", Example: `entropy(domain) > 3.5`,
			SQL: func(a []string, _ []Type) string {
				return "list_aggregate(string_split(" + a[0] + ", " + sqlString("") + "), " + sqlString("entropy") + ")"
			}},
		{Name: "is_base64", Args: []Type{TypeString}, Ret: ret(TypeBool), Doc: "text looks like base64: at least 16 characters of the base64 alphabet, a multiple of 4 long with up to two '=' of padding, and at least one digit, '+', '/' or '='", Example: `is_base64(command_line)`,
			SQL: func(a []string, _ []Type) string {
				return "(length(" + a[0] + ") >= 16 AND length(" + a[0] + ") % 4 = 0 AND regexp_full_match(" + a[0] + ", " + sqlString(base64Pattern) + ") AND regexp_matches(" + a[0] + ", " + sqlString(`[0-9+/=]`) + "))"
			}},
		{Name: "string", Args: []Type{argAny}, Ret: ret(TypeString), Doc: "any value as text", Example: `string(dst_port) == "443"`,
			SQL: func(a []string, _ []Type) string { return "CAST(" + a[0] + " AS VARCHAR)" }},
		{Name: "number", Args: []Type{TypeString}, Ret: ret(TypeFloat), Doc: "text read as a number, null when it is not one (Sigma's lt, gt, ... on text fields)", Example: `number(fields.EventData.LogonType) >= 10`,
			SQL: func(a []string, _ []Type) string { return "TRY_CAST(" + a[0] + " AS DOUBLE)" }},
		{Name: "abs", Args: []Type{argNumber}, Ret: sameAsFirst, SQL: sqlFn("abs"), Doc: "absolute value", Example: `abs(bytes_in - bytes_out) > 1000`},
		{Name: "round", Args: []Type{argNumber}, Ret: sameAsFirst, SQL: sqlFn("round"), Doc: "round to the nearest whole number", Example: `eval e = round(entropy(domain))`},
		{Name: "ago", Args: []Type{TypeDuration}, Ret: ret(TypeTime), Doc: "the time that long before now (UTC), the query's start", Example: `time >= ago(24h)`,
			SQL: func(a []string, _ []Type) string {
				return "((now() AT TIME ZONE " + sqlString("UTC") + ") - to_microseconds(" + a[0] + "))"
			}},
		{Name: "hour", Args: []Type{TypeTime}, Ret: ret(TypeInt), SQL: sqlFn("hour"), Doc: "hour of the day, 0-23, UTC", Example: `hour(time) < 6`},
		{Name: "weekday", Args: []Type{TypeTime}, Ret: ret(TypeInt), SQL: sqlFn("isodow"), Doc: "ISO day of the week: 1 Monday .. 7 Sunday, UTC", Example: `weekday(time) >= 6`},
		{Name: "business_hours", Args: []Type{TypeTime, TypeInt, TypeInt}, Optional: 2, Ret: ret(TypeBool),
			Doc: "true Monday to Friday from START:00 to END:00 UTC (default 8 to 18)", Example: `not business_hours(time)`,
			SQL: func(a []string, _ []Type) string {
				start, end := "8", "18"
				if len(a) == 3 {
					start, end = a[1], a[2]
				}
				return "(isodow(" + a[0] + ") <= 5 AND hour(" + a[0] + ") >= " + start + " AND hour(" + a[0] + ") < " + end + ")"
			}},

		{Name: "if", Args: []Type{TypeBool, argAny, argAny}, Ret: ifType, Check: ifCheck, Doc: "the second argument when the condition is true, else the third", Example: `if(outcome == "failure", 1, 0)`,
			SQL: func(a []string, _ []Type) string {
				return "(CASE WHEN coalesce(" + a[0] + ", false) THEN " + a[1] + " ELSE " + a[2] + " END)"
			}},

		{Name: "count", Agg: true, Args: []Type{argAny}, Optional: 1, Ret: ret(TypeInt), Doc: "number of rows, or of rows where the argument is not null", Example: `stats count() by user`,
			SQL: func(a []string, _ []Type) string {
				if len(a) == 0 {
					return "count(*)"
				}
				return "count(" + a[0] + ")"
			}},
		{Name: "dcount", Agg: true, Args: []Type{argAny}, Ret: ret(TypeInt), Doc: "number of distinct non-null values", Example: `stats dcount(user) by src_ip`,
			SQL: func(a []string, _ []Type) string { return "count(DISTINCT " + a[0] + ")" }},
		{Name: "sum", Agg: true, Args: []Type{argNumber}, Ret: sameAsFirst, Doc: "sum", Example: `stats sum(bytes_out) by src_ip`,
			SQL: func(a []string, t []Type) string {
				if t[0] == TypeInt {
					return "CAST(sum(" + a[0] + ") AS BIGINT)"
				}
				return "sum(" + a[0] + ")"
			}},
		{Name: "min", Agg: true, Args: []Type{argOrdered}, Ret: sameAsFirst, SQL: sqlFn("min"), Doc: "smallest value", Example: `stats min(time) by user`},
		{Name: "max", Agg: true, Args: []Type{argOrdered}, Ret: sameAsFirst, SQL: sqlFn("max"), Doc: "largest value", Example: `stats max(bytes_out) by dst_ip`},
		{Name: "avg", Agg: true, Args: []Type{argNumber}, Ret: ret(TypeFloat), SQL: sqlFn("avg"), Doc: "mean", Example: `stats avg(bytes_out) by src_ip`},
		{Name: "percentile", Agg: true, Args: []Type{argNumber, TypeInt}, Const: 2, ConstMin: 0, ConstMax: 100, Ret: ret(TypeFloat), Doc: "the P-th percentile of the values (P from 0 to 100, interpolated; 50 is the median)", Example: `stats percentile(bytes_out, 95) by src_ip`,
			SQL: func(a []string, _ []Type) string { return "quantile_cont(" + a[0] + ", " + a[1] + " / 100.0)" }},
		{Name: "values", Agg: true, Args: []Type{argAny}, Ret: ret(TypeList), Doc: "sorted list of the distinct non-null values", Example: `stats values(user) by src_ip`,
			SQL: func(a []string, _ []Type) string {
				return "list_sort(list(DISTINCT " + a[0] + ") FILTER (WHERE " + a[0] + " IS NOT NULL))"
			}},
		{Name: "first", Agg: true, NeedTime: true, Args: []Type{argAny}, Ret: sameAsFirst, Doc: "value of the earliest row (by time)", Example: `stats first(src_ip) by user`,
			SQL: func(a []string, _ []Type) string { return "arg_min(" + a[0] + ", " + quoteIdent("time") + ")" }},
		{Name: "last", Agg: true, NeedTime: true, Args: []Type{argAny}, Ret: sameAsFirst, Doc: "value of the latest row (by time)", Example: `stats last(outcome) by user`,
			SQL: func(a []string, _ []Type) string { return "arg_max(" + a[0] + ", " + quoteIdent("time") + ")" }},
	} {
		funcs[f.Name] = f
	}
}

// ifType is the type of if(c, a, b): that of a, or of b when a is null.
func ifType(args []Type) Type {
	if len(args) < 3 {
		return TypeUnknown
	}
	switch {
	case args[1] == TypeNull:
		return args[2]
	case args[1].numeric() && args[2].numeric() && args[1] != args[2]:
		return TypeFloat
	}
	return args[1]
}

func ifCheck(args []Type) string {
	a, b := args[1], args[2]
	if a == b || a == TypeNull || b == TypeNull || a == TypeUnknown || b == TypeUnknown || (a.numeric() && b.numeric()) {
		return ""
	}
	return "if() gives one type of value: the second argument is " + a.String() + ", the third " + b.String()
}

// FuncNames lists the registry's function names, sorted, for completion and hints.
func FuncNames(aggregates bool) []string {
	var out []string
	for n, f := range funcs {
		if f.Agg == aggregates {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// accepts says whether an argument of type got fits the parameter type want.
func accepts(want, got Type) bool {
	if got == TypeUnknown || got == TypeNull {
		return true
	}
	switch want {
	case argAny:
		return true
	case argNumber:
		return got.numeric()
	case argOrdered:
		return got != TypeBool && got != TypeJSON && got != TypeList
	case TypeFloat:
		return got.numeric()
	}
	return want == got
}

func (t Type) describe() string {
	switch t {
	case argAny:
		return "any value"
	case argNumber:
		return "a number"
	case argOrdered:
		return "a sortable value"
	}
	return t.String()
}
