package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"numberd/store/storetest"
)

// chromiumPath finds Debian's chromium. The browser test never skips in CI;
// elsewhere it fails with instructions, unless NUMBERD_SKIP_BROWSER=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("NUMBERD_SKIP_BROWSER") == "1" && os.Getenv("CI") == "" {
		t.Skip("chromium is not installed and NUMBERD_SKIP_BROWSER=1: skipping the browser test")
	}
	t.Fatal("the playground browser test needs chromium: apt-get install -y chromium " +
		"(.ci/run installs it; locally, NUMBERD_SKIP_BROWSER=1 skips this test)")
	return ""
}

// artifactsDir is where test artifacts (screenshots) go: $ARTIFACTS_DIR, or
// testdata/artifacts (git-ignored).
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPlayground_Browser loads /playground from a running numberd in
// headless Chromium, types a token, runs a phoneNumbers query and finds its
// result on the page, then runs a subscription over the websocket and sees
// an event written meanwhile. Every file the page loads must come from
// numberd itself (no CDN). A screenshot is saved as a test artifact
// (NUMBERD_UPDATE_SCREENSHOT=1 also refreshes docs/playground.png).
func TestPlayground_Browser(t *testing.T) {
	chromium := chromiumPath(t)
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "playground-master-key"}, "--db", storetest.DSN(t),
		"--subscription-poll-interval", "100ms")
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "playground-master-key"}})
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)
	acct := call(t, "PUT", s.base+"/v2/accounts/"+master, tok, map[string]any{"data": map[string]any{"name": "acme"}})
	a := data(acct)["id"].(string)
	for _, n := range []string{"%2B14158867900", "%2B14158867901", "%2B18005550100"} {
		if r := call(t, "PUT", s.base+"/v2/accounts/"+a+"/phone_numbers/"+n, tok, map[string]any{"data": map[string]any{}}); r.status != 201 {
			t.Fatalf("create number: %d %s", r.status, r.raw)
		}
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 860),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	// Start the browser, then record every request the page makes.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	base, _ := url.Parse(s.base)
	var mu sync.Mutex
	var foreign []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u, err := url.Parse(e.Request.URL)
			if err == nil && u.Scheme != "data" && u.Host != base.Host {
				mu.Lock()
				foreign = append(foreign, e.Request.URL)
				mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}

	query := `query Dashboard($a: ID!) {
  account(id: $a) {
    name
    numberStats { total }
    phoneNumbers(first: 10, filter: {classifications: ["did_us"]}, orderBy: {field: NUMBER, direction: DESC}) {
      edges { node { number state classification } }
    }
  }
}`
	setEditor := func(sel, text string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + jsString(sel) + `).CodeMirror.setValue(` + jsString(text) + `)`)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.base+"/playground"),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-query-editor .CodeMirror`)),
		chromedp.SendKeys(chromedp.ID("token"), tok),
		setEditor(`.graphiql-query-editor .CodeMirror`, query),
		chromedp.Click(chromedp.CSS(`[data-name="variables"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror`)),
		setEditor(`.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror`, `{"a": "`+a+`"}`),
		chromedp.Sleep(700*time.Millisecond), // GraphiQL re-reads the operation name after a pause
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
	)
	var result string
	if err == nil {
		result, err = chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.querySelector('.graphiql-response .CodeMirror');
			return e && e.CodeMirror.getValue().includes('classification') ? e.CodeMirror.getValue() : false; })()`,
			chromedp.WithPollingTimeout(30*time.Second)))
	}
	chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)) // let the result pane paint
	shot, _ := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if len(shot) > 0 {
		path := filepath.Join(artifactsDir(t), "playground.png")
		if werr := os.WriteFile(path, shot, 0o644); werr != nil {
			t.Error(werr)
		}
		t.Logf("screenshot: %s", path)
		if os.Getenv("NUMBERD_UPDATE_SCREENSHOT") == "1" {
			os.WriteFile(filepath.Join("..", "docs", "playground.png"), shot, 0o644)
		}
	}
	if err != nil {
		t.Fatalf("browser: %v (response pane: %q)", err, result)
	}
	for _, want := range []string{`"name": "acme"`, `"total": 3`, `"+14158867901"`, `"+14158867900"`, `"did_us"`} {
		if !strings.Contains(result, want) {
			t.Errorf("the result on the page lacks %s:\n%s", want, result)
		}
	}
	if strings.Contains(result, "+18005550100") {
		t.Errorf("the classification filter was not applied:\n%s", result)
	}
	if strings.Index(result, "+14158867901") > strings.Index(result, "+14158867900") {
		t.Errorf("not in descending order:\n%s", result)
	}

	// A subscription from the page, over the websocket with the token in
	// connection_init: an event written meanwhile shows up in the result.
	err = chromedp.Do(ctx,
		setEditor(`.graphiql-query-editor .CodeMirror`, `subscription Watch($a: ID!) { phoneNumberEvents(accountId: $a) { number action toState } }`),
		chromedp.Sleep(700*time.Millisecond), // GraphiQL re-reads the operation name after a pause
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		chromedp.Sleep(time.Second), // subscribed
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if r := call(t, "PUT", s.base+"/v2/accounts/"+a+"/phone_numbers/%2B14158867999", tok, map[string]any{"data": map[string]any{}}); r.status != 201 {
		t.Fatalf("create number: %d %s", r.status, r.raw)
	}
	live, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.querySelector('.graphiql-response .CodeMirror');
		return e && e.CodeMirror.getValue().includes('+14158867999') ? e.CodeMirror.getValue() : false; })()`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		pane, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()`))
		t.Fatalf("the subscription's event did not appear: %v\n%s", err, pane)
	}
	if !strings.Contains(live, `"action": "create"`) {
		t.Errorf("subscription result:\n%s", live)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(foreign) > 0 {
		t.Errorf("the playground loaded files from elsewhere than numberd: %v", foreign)
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}
