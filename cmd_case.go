package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"trawl/cases"
	"trawl/engine"
	"trawl/render"
)

func init() {
	registerCommand("case", "Case files: open a case from alerts or an incident, work it (notes, tasks, status, verdict), export a report (docs/cases.md).",
		func() any { return &CaseCmd{} })
}

// CaseCmd is trawl case.
type CaseCmd struct {
	New      CaseNewCmd      `cmd:"" help:"Open a case from alerts (--from-alerts 1,2,3) or an incident (--from-incident ID)."`
	List     CaseListCmd     `cmd:"" help:"List cases, newest first."`
	Show     CaseShowCmd     `cmd:"" help:"Show a case: fields, alerts, entities, techniques, timeline, tasks, notes and history."`
	Note     CaseNoteCmd     `cmd:"" help:"Add a note to a case."`
	Status   CaseStatusCmd   `cmd:"" help:"Set a case's status: new, investigating, contained, eradicated, closed."`
	Verdict  CaseVerdictCmd  `cmd:"" help:"Set a case's verdict: true_positive, benign_true_positive, false_positive (tp, btp, fp)."`
	Assign   CaseAssignCmd   `cmd:"" help:"Assign a case to an analyst."`
	Task     CaseTaskCmd     `cmd:"" help:"Add tasks to a case's checklist or tick them off."`
	Pin      CasePinCmd      `cmd:"" help:"Pin an event to a case's evidence."`
	Link     CaseLinkCmd     `cmd:"" help:"Link more alerts to a case, with their evidence."`
	Playbook CasePlaybookCmd `cmd:"" help:"Show the response playbook steps for a case, filled in with its entities; --add adds them as tasks. trawl never runs them."`
	Export   CaseExportCmd   `cmd:"" help:"Write a case report as Markdown, HTML or JSON."`
	Verify   CaseVerifyCmd   `cmd:"" help:"Check a case's history chain and that the case agrees with it; exit 1 when not."`
}

// caseOutput is --format for case commands.
type caseOutput struct {
	Format string `help:"Output format: table or json." enum:"table,json" default:"table" short:"f"`
}

// caseAuthor is --author for commands that change a case.
type caseAuthor struct {
	Author string `help:"Who makes the change (default $TRAWL_ANALYST, else $USER)." env:"TRAWL_ANALYST"`
}

func (a caseAuthor) actor() (engine.Actor, error) {
	name := strings.TrimSpace(a.Author) // --author or $TRAWL_ANALYST
	if name == "" {
		name = analystName()
	}
	if name == "" {
		return engine.Actor{}, exitError{2, errors.New("who is making this change? pass --author or set TRAWL_ANALYST")}
	}
	return engine.Actor{Name: name}, nil
}

// playbookDirs is --playbooks.
type playbookDirs struct {
	Playbooks string `help:"A directory of extra playbooks (*.yaml) next to the built-in ones." env:"TRAWL_PLAYBOOKS" type:"path"`
}

func (p playbookDirs) load() ([]cases.Playbook, error) { return cases.Load(p.Playbooks) }

// parseIDs reads 1,2,3 (spaces allowed).
func parseIDs(s string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not an id", part)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, errors.New("no ids given")
	}
	return out, nil
}

// writeJSON prints one JSON object on a line; <, > and & and control characters are escaped,
// so no log text in it acts on a terminal or in a page it is pasted into.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", cases.EscapeJSONControls(b))
	return err
}

// CaseNewCmd is trawl case new.
type CaseNewCmd struct {
	caseOutput
	caseAuthor
	FromAlerts   string `help:"Alert ids (trawl alerts), comma-separated." xor:"from" required:"" placeholder:"ID,..."`
	FromIncident int64  `help:"Incident id (trawl incidents)." xor:"from" required:"" placeholder:"ID"`
	Title        string `help:"Title (default: from the incident or the first alert)."`
	Assignee     string `help:"Analyst to assign it to."`
	Severity     string `help:"Severity (default: from the incident's priority or the highest alert severity)."`
}

func (c *CaseNewCmd) Run(g *Globals) error {
	by, err := c.actor()
	if err != nil {
		return err
	}
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	var d engine.CaseDraft
	if c.FromAlerts != "" {
		ids, err := parseIDs(c.FromAlerts)
		if err != nil {
			return exitError{2, fmt.Errorf("--from-alerts: %w", err)}
		}
		d, err = st.DraftFromAlerts(g.Ctx, ids)
		if err != nil {
			return err
		}
	} else {
		d, err = st.DraftFromIncident(g.Ctx, c.FromIncident)
		if err != nil {
			return err
		}
	}
	if c.Title != "" {
		d.Title = c.Title
	}
	if c.Severity != "" {
		d.Severity = c.Severity
	}
	d.Assignee = c.Assignee
	id, err := st.CreateCase(g.Ctx, by, d)
	if err != nil {
		return err
	}
	cs, err := st.Case(g.Ctx, id)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		return writeJSON(g.Stdout, cs)
	}
	fmt.Fprintf(g.Stdout, "case %d opened: %s (%s; %d alert(s), %d evidence event(s), %d entities, %d technique(s))\n",
		cs.ID, render.Cell(cs.Title, 120), cs.Severity, len(cs.Alerts), cs.EvidenceN, len(cs.Entities), len(cs.Techniques))
	return nil
}

// openExistingStore opens the store at --db for writing, failing when there is none (writing
// suppressions, scores, features or a case into a new, empty store would be a mistake).
func openExistingStore(g *Globals) (*engine.Store, error) {
	if err := storeExists(g); err != nil {
		return nil, err
	}
	return openStore(g, false)
}

// openExistingStoreFor opens the existing store for writing when write is set, else read-only.
func openExistingStoreFor(g *Globals, write bool) (*engine.Store, error) {
	if write {
		return openExistingStore(g)
	}
	return openStore(g, true)
}

// CaseListCmd is trawl case list.
type CaseListCmd struct {
	OutputFlags
	Status   string `help:"Only cases with this status."`
	Assignee string `help:"Only cases assigned to this analyst."`
}

var caseListColumns = []string{"id", "title", "status", "severity", "assignee", "verdict", "alerts", "open_tasks", "created_at", "updated_at"}

func (c *CaseListCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.CaseList(g.Ctx, engine.CaseFilter{Status: c.Status, Assignee: c.Assignee})
	if err != nil {
		return err
	}
	w := c.writer(g.Stdout, caseListColumns)
	for _, s := range list {
		if err := w.Row([]any{s.ID, s.Title, string(s.Status), s.Severity, s.Assignee, string(s.Verdict), s.Alerts, s.OpenTasks, s.CreatedAt, s.UpdatedAt}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// caseArg is the case id argument.
type caseArg struct {
	ID int64 `arg:"" help:"Case id (trawl case list)."`
}

// CaseShowCmd is trawl case show.
type CaseShowCmd struct {
	caseOutput
	caseArg
	Events int `help:"How many evidence events to list in the table output." default:"20"`
}

func (c *CaseShowCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Case(g.Ctx, c.ID)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		return writeJSON(g.Stdout, struct {
			*cases.Case
			Timeline []cases.Entry `json:"timeline"`
		}{cs, cases.Timeline(cs)})
	}
	return showCase(g.Stdout, cs, c.Events)
}

// showCase prints a case for a terminal: every log-derived text goes through render.Cell
// (control characters and escape sequences shown as \xNN, one line, cut).
func showCase(out io.Writer, c *cases.Case, maxEvents int) error {
	var b bytes.Buffer
	cell := func(s string) string { return render.Cell(s, 200) }
	tm := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return render.Text(*t)
	}
	fmt.Fprintf(&b, "Case %d: %s\n", c.ID, cell(c.Title))
	fmt.Fprintf(&b, "  status %s, severity %s, verdict %s, assignee %s\n", c.Status, cell(c.Severity), orNone(string(c.Verdict)), orNone(cell(c.Assignee)))
	fmt.Fprintf(&b, "  opened %s by %s, updated %s; evidence %s to %s\n", render.Text(c.CreatedAt), cell(c.CreatedBy), render.Text(c.UpdatedAt), tm(c.First), tm(c.Last))
	if c.Narrative != "" {
		fmt.Fprintf(&b, "  %s\n", render.Cell(c.Narrative, 400))
	}
	fmt.Fprintf(&b, "\nAlerts (%d)\n", len(c.Alerts))
	for _, a := range c.Alerts {
		fmt.Fprintf(&b, "  %d  %s  %s  %s  %s  %d events\n", a.ID, cell(a.Rule), cell(a.Severity), cell(strings.Join(a.Attack, ",")), cell(a.Title), a.Evidence)
	}
	if len(c.Incidents) > 0 {
		fmt.Fprintf(&b, "Incidents: %v\n", c.Incidents)
	}
	fmt.Fprintf(&b, "\nATT&CK (%d)\n", len(c.Techniques))
	for _, t := range c.Techniques {
		fmt.Fprintf(&b, "  %-10s %s [%s]\n", cell(t.ID), cell(t.Name), cell(strings.Join(t.Tactics, ", ")))
	}
	fmt.Fprintf(&b, "\nEntities (%d)\n", len(c.Entities))
	for _, e := range c.Entities {
		line := fmt.Sprintf("  %-11s %s", e.Kind, cell(e.Value))
		if e.Context != "" {
			line += "  (" + cell(e.Context) + ")"
		}
		fmt.Fprintln(&b, line)
	}
	tl := cases.Timeline(c)
	fmt.Fprintf(&b, "\nTimeline (%d entries; %d evidence events)\n", len(tl), c.EvidenceN)
	events := 0
	for _, e := range tl {
		if e.Kind == cases.EntryEvent {
			events++
			if events > maxEvents {
				continue
			}
		}
		fmt.Fprintf(&b, "  %-24s %-6s %6d  %s\n", tm(e.At), e.Kind, e.Ref, render.Cell(e.Text, 160))
	}
	if events > maxEvents {
		fmt.Fprintf(&b, "  (%d more evidence events: --events N, or --format json)\n", events-maxEvents)
	}
	fmt.Fprintf(&b, "\nTasks (%d)\n", len(c.Tasks))
	for _, t := range c.Tasks {
		box := "[ ]"
		if t.Done() {
			box = "[x]"
		}
		phase := ""
		if t.Phase != "" {
			phase = t.Phase + ": "
		}
		fmt.Fprintf(&b, "  %d %s %s%s\n", t.Seq, box, phase, render.Cell(t.Text, 300))
	}
	fmt.Fprintf(&b, "\nNotes (%d)\n", len(c.Notes))
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "  %s %s: %s\n", render.Text(n.At), cell(n.Author), render.Cell(n.Text, 1000))
	}
	fmt.Fprintf(&b, "\nHistory (%d entries, head %s)\n", len(c.History), c.HeadHash)
	for _, h := range c.History {
		change := h.New
		if h.Old != "" {
			change = h.Old + " → " + h.New
		}
		field := ""
		if h.Field != "" {
			field = " " + h.Field
		}
		fmt.Fprintf(&b, "  %3d %s %s %s%s %s\n", h.Seq, render.Text(h.At), cell(h.Actor), h.Action, cell(field), render.Cell(change, 120))
	}
	// Fields not cut by Cell above (status, kinds, phases) come from the store too.
	_, err := io.WriteString(out, render.Sanitize(b.String()))
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// caseChange opens the store, applies one change, and prints the case's summary line (table)
// or object (json).
func caseChange(g *Globals, out caseOutput, author caseAuthor, id int64, change func(st *engine.Store, by engine.Actor) (string, error)) error {
	by, err := author.actor()
	if err != nil {
		return err
	}
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	msg, err := change(st, by)
	if err != nil {
		return err
	}
	list, err := st.CaseList(g.Ctx, engine.CaseFilter{})
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.ID == id {
			if out.Format == "json" {
				return writeJSON(g.Stdout, s)
			}
			fmt.Fprint(g.Stdout, render.Sanitize(fmt.Sprintf("case %d: %s (status %s, verdict %s, assignee %s, %d open task(s))\n",
				s.ID, msg, s.Status, orNone(string(s.Verdict)), orNone(render.Cell(s.Assignee, 60)), s.OpenTasks)))
			return nil
		}
	}
	return fmt.Errorf("case %d: %w", id, engine.ErrNoCase)
}

// CaseNoteCmd is trawl case note.
type CaseNoteCmd struct {
	caseOutput
	caseAuthor
	caseArg
	Text []string `arg:"" help:"The note (words are joined with spaces)."`
}

func (c *CaseNoteCmd) Run(g *Globals) error {
	return caseChange(g, c.caseOutput, c.caseAuthor, c.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		seq, err := st.AddCaseNote(g.Ctx, c.ID, by, strings.Join(c.Text, " "))
		return fmt.Sprintf("note %d added", seq), err
	})
}

// CaseStatusCmd is trawl case status.
type CaseStatusCmd struct {
	caseOutput
	caseAuthor
	caseArg
	Status string `arg:"" help:"new, investigating, contained, eradicated or closed."`
}

func (c *CaseStatusCmd) Run(g *Globals) error {
	if _, err := cases.ParseStatus(c.Status); err != nil {
		return exitError{2, err}
	}
	return caseChange(g, c.caseOutput, c.caseAuthor, c.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		return "status set", st.SetCaseField(g.Ctx, c.ID, by, "status", c.Status)
	})
}

// CaseVerdictCmd is trawl case verdict.
type CaseVerdictCmd struct {
	caseOutput
	caseAuthor
	caseArg
	Verdict  string `arg:"" help:"true_positive, benign_true_positive or false_positive (tp, btp, fp)."`
	Suppress bool   `help:"With false_positive: add the suppression each alert suggests (its rule and narrow entities), so the same alert stays out of the queue."`
}

func (c *CaseVerdictCmd) Run(g *Globals) error {
	v, err := cases.ParseVerdict(c.Verdict)
	if err != nil {
		return exitError{2, err}
	}
	if c.Suppress && v != cases.VerdictFalsePositive {
		return exitError{2, errors.New("--suppress goes with a false_positive verdict")}
	}
	return caseChange(g, c.caseOutput, c.caseAuthor, c.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		if err := st.SetCaseField(g.Ctx, c.ID, by, "verdict", string(v)); err != nil {
			return "", err
		}
		if v != cases.VerdictFalsePositive {
			return "verdict set", nil
		}
		return "verdict set", offerSuppressions(g, st, by, c.ID, c.Suppress)
	})
}

// offerSuppressions is the false-positive feedback loop: for each alert of the case it shows
// (on stderr) the suppression the alert suggests, or adds it with --suppress, noting that on
// the case.
func offerSuppressions(g *Globals, st *engine.Store, by engine.Actor, id int64, add bool) error {
	cs, err := st.CaseWithoutEvidence(g.Ctx, id) // its alerts are all it needs
	if err != nil {
		return err
	}
	for _, a := range cs.Alerts {
		sp, err := st.SuppressionDraft(g.Ctx, a.ID)
		if err != nil {
			fmt.Fprintf(g.Stderr, "alert %d: no suppression suggested: %s\n", a.ID, render.Cell(err.Error(), 200))
			continue
		}
		var conds []string
		for _, e := range sp.Entities {
			conds = append(conds, e.String())
		}
		if !add {
			fmt.Fprintf(g.Stderr, "alert %d suggests suppressing rule %s where %s: trawl suppress from-alert %d --reason 'false positive, case %d' (or trawl case verdict %d fp --suppress)\n",
				a.ID, render.Cell(sp.Rule, 80), render.Cell(strings.Join(conds, " "), 200), a.ID, id, id)
			continue
		}
		sp.Reason = fmt.Sprintf("false positive, case %d (%s)", id, by.Name)
		added, err := st.AddSuppression(g.Ctx, sp) // the draft read above: SuppressionFromAlert would read it again
		if err != nil {
			fmt.Fprintf(g.Stderr, "alert %d: %s\n", a.ID, render.Cell(err.Error(), 200))
			continue
		}
		fmt.Fprintf(g.Stderr, "suppression %s added: rule %s where %s\n", render.Cell(added.Name, 80), render.Cell(added.Rule, 80), render.Cell(strings.Join(conds, " "), 200))
		if _, err := st.AddCaseNote(g.Ctx, id, by, fmt.Sprintf("suppression %s added for alert %d (rule %s)", added.Name, a.ID, added.Rule)); err != nil {
			return err
		}
	}
	return nil
}

// CaseAssignCmd is trawl case assign.
type CaseAssignCmd struct {
	caseOutput
	caseAuthor
	caseArg
	Who string `arg:"" help:"The analyst (empty to unassign)."`
}

func (c *CaseAssignCmd) Run(g *Globals) error {
	return caseChange(g, c.caseOutput, c.caseAuthor, c.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		return "assigned", st.SetCaseField(g.Ctx, c.ID, by, "assignee", c.Who)
	})
}

// CaseTaskCmd is trawl case task ID add|done ...: the case id comes before the action.
type CaseTaskCmd struct {
	ID caseTaskBranch `arg:"" help:"Case id (trawl case list)."`
}

type caseTaskBranch struct {
	ID   int64           `arg:"" help:"Case id (trawl case list)."`
	Add  CaseTaskAddCmd  `cmd:"" help:"Add a task: trawl case task ID add TEXT [--phase P]."`
	Done CaseTaskDoneCmd `cmd:"" help:"Tick tasks off: trawl case task ID done TASK..."`
}

// CaseTaskAddCmd is trawl case task ID add.
type CaseTaskAddCmd struct {
	caseOutput
	caseAuthor
	Text  []string `arg:"" help:"What to do (words are joined with spaces)."`
	Phase string   `help:"contain, collect, eradicate or recover." enum:",contain,collect,eradicate,recover" default:""`
}

func (c *CaseTaskAddCmd) Run(g *Globals, task *caseTaskBranch) error {
	return caseChange(g, c.caseOutput, c.caseAuthor, task.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		seqs, err := st.AddCaseTasks(g.Ctx, task.ID, by, []engine.NewTask{{Text: strings.Join(c.Text, " "), Phase: c.Phase}})
		return fmt.Sprintf("task %v added", seqs), err
	})
}

// CaseTaskDoneCmd is trawl case task ID done.
type CaseTaskDoneCmd struct {
	caseOutput
	caseAuthor
	Tasks []int64 `arg:"" help:"Task numbers (trawl case show)."`
}

func (c *CaseTaskDoneCmd) Run(g *Globals, task *caseTaskBranch) error {
	return caseChange(g, c.caseOutput, c.caseAuthor, task.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		for _, t := range c.Tasks {
			if err := st.CompleteCaseTask(g.Ctx, task.ID, by, t); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("task %v done", c.Tasks), nil
	})
}

// CasePinCmd is trawl case pin.
type CasePinCmd struct {
	caseOutput
	caseAuthor
	caseArg
	Events []int64 `arg:"" help:"Event ids (trawl events, trawl query)."`
}

func (c *CasePinCmd) Run(g *Globals) error {
	return caseChange(g, c.caseOutput, c.caseAuthor, c.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		for _, e := range c.Events {
			if err := st.PinCaseEvent(g.Ctx, c.ID, by, e); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("event %v pinned", c.Events), nil
	})
}

// CaseLinkCmd is trawl case link.
type CaseLinkCmd struct {
	caseOutput
	caseAuthor
	caseArg
	Alerts string `arg:"" help:"Alert ids, comma-separated." placeholder:"ID,..."`
}

func (c *CaseLinkCmd) Run(g *Globals) error {
	ids, err := parseIDs(c.Alerts)
	if err != nil {
		return exitError{2, err}
	}
	return caseChange(g, c.caseOutput, c.caseAuthor, c.ID, func(st *engine.Store, by engine.Actor) (string, error) {
		return fmt.Sprintf("alert %v linked", ids), st.LinkCaseAlerts(g.Ctx, c.ID, by, ids)
	})
}

// CasePlaybookCmd is trawl case playbook.
type CasePlaybookCmd struct {
	caseOutput
	caseAuthor
	caseArg
	playbookDirs
	Add bool `help:"Add the steps to the case's checklist as tasks (one per filled-in command)."`
}

func (c *CasePlaybookCmd) Run(g *Globals) error {
	pbs, err := c.load()
	if err != nil {
		return err
	}
	var by engine.Actor
	if c.Add {
		if by, err = c.actor(); err != nil {
			return err
		}
	}
	st, err := openExistingStoreFor(g, c.Add)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.CaseWithoutEvidence(g.Ctx, c.ID) // playbooks match on alerts and techniques
	if err != nil {
		return err
	}
	recs := cases.Recommend(pbs, cs)
	if c.Add {
		var tasks []engine.NewTask
		for _, r := range recs {
			for _, text := range r.TaskTexts() {
				tasks = append(tasks, engine.NewTask{Text: text, Phase: r.Phase, Source: "playbook:" + r.Playbook})
			}
		}
		if len(tasks) > 0 {
			if _, err := st.AddCaseTasks(g.Ctx, c.ID, by, tasks); err != nil {
				return err
			}
		}
		fmt.Fprintf(g.Stderr, "%d task(s) added to case %d\n", len(tasks), c.ID)
	}
	if c.Format == "json" {
		for _, r := range recs {
			if err := writeJSON(g.Stdout, r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(recs) == 0 {
		fmt.Fprintf(g.Stdout, "no playbook matches case %d's techniques or rules\n", c.ID)
		return nil
	}
	var b bytes.Buffer
	writePlaybook(&b, recs)
	_, err = io.WriteString(g.Stdout, render.Sanitize(b.String()))
	return err
}

// writePlaybook prints recommendations by phase.
func writePlaybook(out io.Writer, recs []cases.Recommendation) {
	fmt.Fprintln(out, "Recommended steps (trawl never runs them: review each command before you run it yourself)")
	phase := ""
	for _, r := range recs {
		if r.Phase != phase {
			phase = r.Phase
			fmt.Fprintf(out, "\n%s\n", strings.ToUpper(phase))
		}
		fmt.Fprintf(out, "  [%s] %s\n", r.Playbook, render.Cell(r.Title, 200))
		for _, cmd := range r.Commands {
			fmt.Fprintf(out, "      %s$ %s\n", shellPrompt(r.Shell), render.Cell(cmd, 1000))
		}
		if len(r.Missing) > 0 {
			fmt.Fprintf(out, "      (no %s in the case)\n", strings.Join(r.Missing, ", "))
		}
	}
}

func shellPrompt(shell string) string {
	switch shell {
	case "powershell":
		return "PS "
	case "text":
		return "→ "
	}
	return ""
}

// CaseExportCmd is trawl case export.
type CaseExportCmd struct {
	caseArg
	playbookDirs
	Format string `help:"Report format: md, html or json." enum:"md,html,json" default:"md" short:"f"`
	Out    string `help:"Write the report to this file instead of standard output." type:"path" short:"o"`
}

func (c *CaseExportCmd) Run(g *Globals) error {
	pbs, err := c.load()
	if err != nil {
		return err
	}
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Case(g.Ctx, c.ID)
	if err != nil {
		return err
	}
	r := cases.NewReport(cs, cases.Recommend(pbs, cs), time.Now())
	var b bytes.Buffer
	if err := r.Write(&b, c.Format); err != nil {
		return err
	}
	if c.Out == "" {
		_, err = g.Stdout.Write(b.Bytes())
		return err
	}
	tmp := c.Out + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.Out); err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "case %d report written to %s (%d bytes)\n", c.ID, c.Out, b.Len())
	return nil
}

// CaseVerifyCmd is trawl case verify.
type CaseVerifyCmd struct {
	caseOutput
	caseArg
}

func (c *CaseVerifyCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	head, problems, err := st.VerifyCase(g.Ctx, c.ID)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		if problems == nil {
			problems = []string{}
		}
		if err := writeJSON(g.Stdout, map[string]any{"id": c.ID, "ok": len(problems) == 0, "head": head, "problems": problems}); err != nil {
			return err
		}
	} else if len(problems) == 0 {
		fmt.Fprintf(g.Stdout, "case %d: history intact, head %s\n", c.ID, head)
	} else {
		for _, p := range problems {
			fmt.Fprintf(g.Stdout, "case %d: %s\n", c.ID, render.Cell(p, 300))
		}
	}
	if len(problems) > 0 {
		return exitError{1, fmt.Errorf("case %d: %d problem(s): the history or the case was changed outside trawl", c.ID, len(problems))}
	}
	return nil
}
