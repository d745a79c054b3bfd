package evtx

import (
	"iter"
	"strings"
)

// NodeKind tells what an item of element content is.
type NodeKind uint8

const (
	TextNode  NodeKind = iota // character data
	ElemNode                  // a child element
	CDataNode                 // a CDATA section
	PINode                    // a processing instruction (Text holds target and data)
)

// Element is one XML element of a decoded record. A document fragment (several top-level
// nodes, or text at the top) is an Element with an empty Name.
type Element struct {
	Name    string
	Attrs   []Attr
	Content []Node
}

// Attr is one attribute, its value unescaped.
type Attr struct {
	Name, Value string
}

// Node is one item of element content, in document order.
type Node struct {
	Kind NodeKind
	Text string   // TextNode, CDataNode, PINode
	Elem *Element // ElemNode
}

// Attr returns the value of the named attribute and whether it is present.
func (e *Element) Attr(name string) (string, bool) {
	if e == nil {
		return "", false
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Child returns the first child element with the given name, or nil.
func (e *Element) Child(name string) *Element {
	if e == nil {
		return nil
	}
	for _, n := range e.Content {
		if n.Kind == ElemNode && n.Elem.Name == name {
			return n.Elem
		}
	}
	return nil
}

// Elems iterates over the child elements in order, without allocating.
func (e *Element) Elems() iter.Seq[*Element] {
	return func(yield func(*Element) bool) {
		if e == nil {
			return
		}
		for _, n := range e.Content {
			if n.Kind == ElemNode && !yield(n.Elem) {
				return
			}
		}
	}
}

// HasChildren reports whether the element has child elements.
func (e *Element) HasChildren() bool {
	if e == nil {
		return false
	}
	for _, n := range e.Content {
		if n.Kind == ElemNode {
			return true
		}
	}
	return false
}

// Text returns the element's own character data (text and CDATA, not that of children).
func (e *Element) Text() string {
	if e == nil {
		return ""
	}
	single := ""
	count := 0
	for _, n := range e.Content {
		if (n.Kind == TextNode || n.Kind == CDataNode) && n.Text != "" {
			single = n.Text
			count++
		}
	}
	if count <= 1 {
		return single
	}
	var b strings.Builder
	for _, n := range e.Content {
		if n.Kind == TextNode || n.Kind == CDataNode {
			b.WriteString(n.Text)
		}
	}
	return b.String()
}
