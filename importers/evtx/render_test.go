package evtx

import (
	"reflect"
	"testing"
)

func data(name, text string) Node {
	e := &Element{Name: "Data", Content: []Node{{Kind: TextNode, Text: text}}}
	if name != "" {
		e.Attrs = []Attr{{Name: "Name", Value: name}}
	}
	return Node{Kind: ElemNode, Elem: e}
}

func TestJSONShape(t *testing.T) {
	sys := &Element{Name: "System", Content: []Node{
		{Kind: ElemNode, Elem: &Element{Name: "Provider", Attrs: []Attr{{"Name", "P"}, {"Guid", ""}}}},
		{Kind: ElemNode, Elem: &Element{Name: "EventID", Attrs: []Attr{{"Qualifiers", "16384"}}, Content: []Node{{Kind: TextNode, Text: "7045"}}}},
		{Kind: ElemNode, Elem: &Element{Name: "Level"}},
		{Kind: ElemNode, Elem: &Element{Name: "Correlation"}},
		{Kind: ElemNode, Elem: &Element{Name: "Security", Attrs: []Attr{{"UserID", ""}}}},
	}}
	ed := &Element{Name: "EventData", Content: []Node{
		data("a", "1"), data("b", "2\r\nx\x01"), data("a", "3"), data("", "x"), data("", ""), data("", "y"),
	}}
	r := &Record{ID: 5, Root: &Element{Name: "Event", Content: []Node{{Kind: ElemNode, Elem: sys}, {Kind: ElemNode, Elem: ed}}}}
	want := `{"record_id":5,"System":{"Provider":"P","EventID":7045,"EventIDQualifiers":"16384","Level":"","Correlation":{"ActivityID":"","RelatedActivityID":""}},` +
		`"EventData":{"a":"3","b":"2\nx","Data":"y"}}`
	if got := string(r.RenderJSON()); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	w := r.Windows()
	wantData := map[string]any{"a": "3", "b": "2\nx", "Data": "x", "Data_2": nil, "Data_3": "y"}
	if !reflect.DeepEqual(w.Data, wantData) || w.EventID != 7045 || w.Qualifiers != "16384" || w.Provider != "P" {
		t.Errorf("Windows: %+v", w)
	}
}
