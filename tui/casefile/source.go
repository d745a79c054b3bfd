package casefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"trawl/cases"
	"trawl/engine"
)

// Source is what the case screens read and write. StoreSource implements it over an engine
// store; tests may fake it. Every method runs inside a tea.Cmd, never in Update.
type Source interface {
	// List is every case, newest first.
	List(ctx context.Context) ([]cases.Summary, error)
	// Case is one case with everything linked to it.
	Case(ctx context.Context, id int64) (*cases.Case, error)
	// Verify checks the case's history chain and tables (engine.Store.VerifyCase).
	Verify(ctx context.Context, id int64) (Verification, error)
	// SetField sets status, verdict, severity, assignee, title or narrative.
	SetField(ctx context.Context, id int64, field, value string) error
	// AddNote adds a note and returns its number.
	AddNote(ctx context.Context, id int64, text string) (int64, error)
	// CompleteTask ticks a task off.
	CompleteTask(ctx context.Context, id, seq int64) error
	// AddPlaybookTasks adds the steps of the playbooks matching the case as tasks, leaving out
	// steps already on the checklist, and returns how many it added.
	AddPlaybookTasks(ctx context.Context, id int64) (int, error)
	// Suggestions are the suppressions the case's alerts suggest (the false-positive loop).
	Suggestions(ctx context.Context, id int64) ([]Suggestion, error)
	// Suppress stores the suppressions the given alerts suggest and notes each on the case; it
	// returns the names of those added.
	Suppress(ctx context.Context, id int64, alerts []int64) ([]string, error)
	// Export writes the case's report in format md, html or json to path, and returns its size.
	Export(ctx context.Context, id int64, format, path string) (int, error)
	// Create opens a case from alerts or an incident and returns its id.
	Create(ctx context.Context, req CreateCaseMsg) (int64, error)
	// Pin pins an event to a case's evidence.
	Pin(ctx context.Context, id, event int64) error
}

// Verification is the result of checking a case's history.
type Verification struct {
	Head     string
	Problems []string // none: the chain is intact and the tables agree with it
}

// Suggestion is the suppression one alert of a case suggests, or why it suggests none.
type Suggestion struct {
	Alert int64
	Rule  string
	Where []string // KIND=PATTERN conditions
	Err   string   // set when the alert suggests nothing
}

// StoreSource is the Source over an engine store opened for writing.
type StoreSource struct {
	S *engine.Store
	// Author is who makes the changes ($TRAWL_ANALYST, else $USER).
	Author string
	// Playbooks are the playbooks to recommend from (cases.Load).
	Playbooks []cases.Playbook
	// Now is the clock for actors and reports (nil: time.Now); tests fix it.
	Now func() time.Time
}

func (s StoreSource) actor() (engine.Actor, error) {
	name := strings.TrimSpace(s.Author)
	if name == "" {
		return engine.Actor{}, errors.New("who is making this change? set TRAWL_ANALYST")
	}
	a := engine.Actor{Name: name}
	if s.Now != nil {
		a.At = s.Now()
	}
	return a, nil
}

func (s StoreSource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s StoreSource) List(ctx context.Context) ([]cases.Summary, error) {
	return s.S.CaseList(ctx, engine.CaseFilter{})
}

func (s StoreSource) Case(ctx context.Context, id int64) (*cases.Case, error) {
	return s.S.Case(ctx, id)
}

func (s StoreSource) Verify(ctx context.Context, id int64) (Verification, error) {
	head, problems, err := s.S.VerifyCase(ctx, id)
	return Verification{Head: head, Problems: problems}, err
}

func (s StoreSource) SetField(ctx context.Context, id int64, field, value string) error {
	by, err := s.actor()
	if err != nil {
		return err
	}
	return s.S.SetCaseField(ctx, id, by, field, value)
}

func (s StoreSource) AddNote(ctx context.Context, id int64, text string) (int64, error) {
	by, err := s.actor()
	if err != nil {
		return 0, err
	}
	return s.S.AddCaseNote(ctx, id, by, text)
}

func (s StoreSource) CompleteTask(ctx context.Context, id, seq int64) error {
	by, err := s.actor()
	if err != nil {
		return err
	}
	return s.S.CompleteCaseTask(ctx, id, by, seq)
}

func (s StoreSource) AddPlaybookTasks(ctx context.Context, id int64) (int, error) {
	by, err := s.actor()
	if err != nil {
		return 0, err
	}
	c, err := s.S.CaseWithoutEvidence(ctx, id)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, t := range c.Tasks {
		have[t.Text] = true
	}
	var tasks []engine.NewTask
	for _, r := range cases.Recommend(s.Playbooks, c) {
		for _, text := range r.TaskTexts() {
			if have[text] {
				continue
			}
			have[text] = true
			tasks = append(tasks, engine.NewTask{Text: text, Phase: r.Phase, Source: "playbook:" + r.Playbook})
		}
	}
	if len(tasks) == 0 {
		return 0, nil
	}
	_, err = s.S.AddCaseTasks(ctx, id, by, tasks)
	return len(tasks), err
}

func (s StoreSource) Suggestions(ctx context.Context, id int64) ([]Suggestion, error) {
	c, err := s.S.CaseWithoutEvidence(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	for _, a := range c.Alerts {
		sp, err := s.S.SuppressionDraft(ctx, a.ID)
		if err != nil {
			out = append(out, Suggestion{Alert: a.ID, Rule: a.Rule, Err: err.Error()})
			continue
		}
		g := Suggestion{Alert: a.ID, Rule: sp.Rule}
		for _, e := range sp.Entities {
			g.Where = append(g.Where, e.String())
		}
		out = append(out, g)
	}
	return out, nil
}

func (s StoreSource) Suppress(ctx context.Context, id int64, alerts []int64) ([]string, error) {
	by, err := s.actor()
	if err != nil {
		return nil, err
	}
	var names []string
	var errs []error
	for _, a := range alerts {
		added, err := s.S.SuppressionFromAlert(ctx, a, fmt.Sprintf("false positive, case %d (%s)", id, by.Name), time.Time{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names = append(names, added.Name)
		if _, err := s.S.AddCaseNote(ctx, id, by, fmt.Sprintf("suppression %s added for alert %d (rule %s)", added.Name, a, added.Rule)); err != nil {
			return names, err
		}
	}
	return names, errors.Join(errs...)
}

// Formats are the report formats, by file extension.
var Formats = map[string]string{".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}

// FormatOf is the report format a path's extension asks for.
func FormatOf(path string) (string, error) {
	f, ok := Formats[strings.ToLower(filepath.Ext(path))]
	if !ok {
		return "", fmt.Errorf("%q: the name must end in .md, .html or .json (the format)", path)
	}
	return f, nil
}

func (s StoreSource) Export(ctx context.Context, id int64, format, path string) (int, error) {
	if !slices.Contains(cases.ReportFormats, format) {
		return 0, fmt.Errorf("unknown report format %q", format)
	}
	c, err := s.S.Case(ctx, id)
	if err != nil {
		return 0, err
	}
	r := cases.NewReport(c, cases.Recommend(s.Playbooks, c), s.now())
	var b bytes.Buffer
	if err := r.Write(&b, format); err != nil {
		return 0, err
	}
	// Written beside the target and renamed, so a reader never sees half a report.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return 0, fmt.Errorf("writing the report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("writing the report: %w", err)
	}
	return b.Len(), nil
}

func (s StoreSource) Create(ctx context.Context, req CreateCaseMsg) (int64, error) {
	by, err := s.actor()
	if err != nil {
		return 0, err
	}
	var d engine.CaseDraft
	switch {
	case req.IncidentID > 0:
		d, err = s.S.DraftFromIncident(ctx, req.IncidentID)
	case len(req.AlertIDs) > 0:
		d, err = s.S.DraftFromAlerts(ctx, req.AlertIDs)
	default:
		return 0, errors.New("select alerts or an incident to open a case from")
	}
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(req.Title) != "" {
		d.Title = req.Title
	}
	return s.S.CreateCase(ctx, by, d)
}

func (s StoreSource) Pin(ctx context.Context, id, event int64) error {
	by, err := s.actor()
	if err != nil {
		return err
	}
	return s.S.PinCaseEvent(ctx, id, by, event)
}
